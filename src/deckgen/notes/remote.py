"""Remote images (`![](https://i.imgur.com/BXrE2tJ.png)`), downloaded into a cache when the
settings allow it (`remote_images: download` in `deckgen.yaml`, or `--fetch-images`).

Off by default: it reaches the network. When on, only `http`/`https` addresses are fetched (a
redirect to anything else is refused), with a timeout and a size cap; the bytes must be the image
the address's extension says (`imagefile.carried_bytes`: an SVG is sanitised like a local one).
A downloaded image is kept in the cache folder under a hash of its address, so each build after
the first reads it from there, and a card shows it like a file of the vault.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .imagefile import NotThatImage, carried_bytes
from .inline import IMAGE_FILE

if TYPE_CHECKING:  # imported at the first download: reading notes loads no network module
    import urllib.request

MAX_BYTES = 10 * 1024 * 1024
"""The largest image downloaded (10 MB: a photo; anything larger is not a card's picture)."""
TIMEOUT = 10.0
"""Seconds to wait for a server before giving up on one image."""
SETTING = "set `remote_images: download` in deckgen.yaml (or pass --fetch-images) to download it"
"""What a user does to bundle remote images: named in the warning when it is off."""


@functools.cache
def _opener() -> urllib.request.OpenerDirector:
    """The opener of every download, made at the first."""
    import urllib.error
    import urllib.request

    class HttpOnly(urllib.request.HTTPRedirectHandler):
        """Follow a redirect only to another http(s) address (never `file:` or `ftp:`)."""

        def redirect_request(
            self, req: urllib.request.Request, fp: object, code: int, msg: str, headers: object, newurl: str
        ) -> urllib.request.Request | None:
            if urlsplit(newurl).scheme not in ("http", "https"):
                raise urllib.error.URLError(f"redirected to {newurl!r}, which is not http(s)")
            return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]

    return urllib.request.build_opener(HttpOnly)


def cached_name(url: str) -> str:
    """The file name a downloaded image is kept under: a hash of its address, and its extension."""
    suffix = Path(urlsplit(url).path).suffix.lower()
    return f"{hashlib.sha256(url.encode()).hexdigest()[:24]}{suffix}"


def fetch(url: str, folder: Path, *, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT) -> Path | str:
    """The cached file of the image at `url`, downloaded first if need be; or why it is not
    bundled (a message that says what to do)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"remote image {url!r} is not an http(s) address and is not downloaded"
    if not IMAGE_FILE.search(parts.path):
        return f"remote image {url!r} does not name an image file (.png, .jpg, .svg…) and is not downloaded"
    target = folder / cached_name(url)
    if target.is_file():
        return target
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "deckgen"})
    try:
        with _opener().open(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return (
            f"remote image {url!r} could not be downloaded ({reason}) — "
            "check the address, or save the image into the vault"
        )
    if len(data) > max_bytes:
        return f"remote image {url!r} is larger than {max_bytes // (1024 * 1024)} MB and is not downloaded"
    return _keep(url, data, target)


def _keep(url: str, data: bytes, target: Path) -> Path | str:
    """Write the downloaded bytes into the cache if they are the image the address says."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=target.suffix)
    except OSError as exc:
        return f"remote image {url!r} could not be kept in {target.parent} ({exc.strerror or exc})"
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        carried_bytes(Path(tmp))  # raises when the bytes are not that image
        os.replace(tmp, target)
    except NotThatImage as exc:
        os.unlink(tmp)
        return f"remote image {url!r} is not bundled: {exc}"
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        return f"remote image {url!r} could not be kept in {target.parent} ({exc.strerror or exc})"
    return target
