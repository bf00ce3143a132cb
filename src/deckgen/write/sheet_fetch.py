"""What WeasyPrint may fetch while it lays out a study sheet: the images deckgen bundled, by their
bundled names, and `data:` URLs (the formulas' drawings); nothing else.

A sheet's HTML holds only what deckgen wrote, but an image can name more: an SVG's
`<image href="file:///…">` or a stylesheet's `url(…)` would make WeasyPrint read any file on the
disk, or the web, into the PDF. Every fetch, the SVGs' own included, goes through `SheetFetcher`.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from typing import Any

import weasyprint
from weasyprint.urls import URLFetcherResponse  # type: ignore[import-untyped]

MEDIA_URL = "deckgen-media:"
"""How the PDF's HTML names a bundled image (served by `sheet_fetch.SheetFetcher`)."""


class SheetFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
    """Serves the bytes of the images deckgen bundled and `data:` URLs; refuses every other URL,
    and keeps a list of what it refused."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        super().__init__(allowed_protocols={"data"})
        self.files = dict(files)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        """The resource at `url`, if it is one deckgen bundled or a `data:` URL."""
        name = url.removeprefix(MEDIA_URL)
        if url.startswith(MEDIA_URL) and name in self.files:
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, self.files[name], {"Content-Type": kind})
        if url.startswith("data:"):
            return super().fetch(url, headers)
        self.refused.append(url)
        raise ValueError(f"{url[:200]} is not an image deckgen bundled: study sheets fetch nothing else")
