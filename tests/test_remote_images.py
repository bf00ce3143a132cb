"""Remote images (`![](https://…/x.png)`): off by default with one warning that names the
setting; with `remote_images: download` (or `--fetch-images`) downloaded from http(s) only, under
a size cap and a timeout, checked to be the image the address says, kept in a cache beside the
note cache and bundled as a vault's own file. Served from 127.0.0.1, never the internet."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from anki_check import import_apkg, open_collection, snapshot
from deckgen.build import BuildOptions, build
from deckgen.config import Config
from deckgen.notes.remote import cached_name, fetch
from test_media import NOW, PNG, name_of

NOTE = """\
#flashcards

Which organ is this? :: ![heart]({base}/img/heart.png)

Which picture is a web page? :: ![page]({base}/img/page.png)

Which picture is gone? :: ![gone]({base}/img/gone.png)
"""


_AWAY = {"/img/ftp.png": "ftp://127.0.0.1/x.png", "/img/file.png": "file:///etc/passwd"}


class _Handler(http.server.BaseHTTPRequestHandler):
    """`/img/heart.png` a PNG, `/img/big.png` 2 kB, `/img/page.png` HTML, `/img/slow.png` after
    two seconds, `_AWAY` redirects to other schemes; anything else 404."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body: bytes | None = {
            "/img/heart.png": PNG,
            "/img/big.png": PNG + b"\0" * 2048,
            "/img/page.png": b"<html><body>Not found, sorry</body></html>",
        }.get(self.path)
        if self.path == "/img/slow.png":
            time.sleep(2)
            body = PNG
        if self.path in _AWAY:
            self.send_response(302)
            self.send_header("Location", _AWAY[self.path])
            self.end_headers()
            return
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (the timeout test)
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.hits = []
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def vault(tmp_path: Path, base: str) -> Path:
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / "heart.md").write_text(NOTE.format(base=base), encoding="utf-8")
    return root


def test_off_by_default_one_warning_per_image_naming_the_setting(tmp_path: Path, server: str) -> None:
    root = vault(tmp_path, server)
    result = build([root], tmp_path / "out", Config(), NOW, BuildOptions(write=False))
    assert _Handler.hits == []  # nothing reached the network
    messages = [p.message for p in result.problems]
    assert len(messages) == 3 and all(
        "remote_images: download" in m and "--fetch-images" in m for m in messages
    )


def test_downloaded_images_are_bundled_and_shown_in_anki(tmp_path: Path, server: str) -> None:
    root = vault(tmp_path, server)
    out = tmp_path / "out"
    config = Config(remote_images="download")
    result = build([root], out, config, NOW)
    [apkg] = result.outputs
    with zipfile.ZipFile(apkg) as z:
        bundled = {name: z.read(member) for member, name in json.loads(z.read("media")).items()}
    assert bundled == {name_of(PNG): PNG}  # only the real image; the others are warnings
    assert (out / ".deckgen-images" / cached_name(f"{server}/img/heart.png")).read_bytes() == PNG
    warnings = {p.source.line: p.message for p in result.problems}
    assert sorted(warnings) == [5, 7]
    assert "is not a PNG image" in warnings[5]
    assert "could not be downloaded" in warnings[7] and "Not Found" in warnings[7]
    col = open_collection(tmp_path / "col" / "collection.anki2")
    try:
        import_apkg(col, apkg)
        snap = snapshot(col, render=True)
    finally:
        col.close()
    answers = {n["fields"]["Question"]: n["cards"][0]["answer"] for n in snap["notes"].values()}
    assert f'<img src="{name_of(PNG)}"' in answers["Which organ is this?"]


def test_the_cache_serves_the_next_build_without_the_network(tmp_path: Path, server: str) -> None:
    root = vault(tmp_path, server)
    out, lock = tmp_path / "out", tmp_path / "deckgen.lock"
    config = Config(remote_images="download")
    build([root], out, config, NOW, BuildOptions(lock=lock))
    first = list(_Handler.hits)
    (root / "heart.md").write_text(NOTE.format(base=server) + "\nOne more? :: yes\n", encoding="utf-8")
    again = build([root], out, config, NOW + 60, BuildOptions(lock=lock))
    assert _Handler.hits.count("/img/heart.png") == first.count("/img/heart.png") == 1
    with zipfile.ZipFile(again.outputs[0]) as z:
        assert name_of(PNG) in json.loads(z.read("media")).values()


def test_a_dry_run_downloads_into_no_folder_of_the_output(tmp_path: Path, server: str) -> None:
    root = vault(tmp_path, server)
    out = tmp_path / "out"
    build([root], out, Config(remote_images="download"), NOW, BuildOptions(write=False))
    assert "/img/heart.png" in _Handler.hits and not out.exists()


def test_size_cap_timeout_scheme_and_redirects(tmp_path: Path, server: str) -> None:
    folder = tmp_path / "cache"
    assert fetch(f"{server}/img/heart.png", folder) == folder / cached_name(f"{server}/img/heart.png")
    assert "larger than" in str(fetch(f"{server}/img/big.png", folder, max_bytes=1024))
    assert "could not be downloaded" in str(fetch(f"{server}/img/slow.png", folder, timeout=0.3))
    assert "not http(s)" in str(fetch(f"{server}/img/ftp.png", folder))  # urllib would follow it
    assert "not allowed" in str(fetch(f"{server}/img/file.png", folder))
    assert "not an http(s) address" in str(fetch("file:///etc/passwd.png", folder))
    assert "not an http(s) address" in str(fetch("ftp://127.0.0.1/x.png", folder))
    assert "does not name an image" in str(fetch(f"{server}/page.html", folder))
    assert sorted(p.name for p in folder.iterdir()) == [
        cached_name(f"{server}/img/heart.png")
    ]  # no leftovers


def test_the_setting_is_checked(tmp_path: Path) -> None:
    from deckgen.config import load_config
    from deckgen.errors import ConfigError

    settings = tmp_path / "deckgen.yaml"
    settings.write_text("remote_images: yes please\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="remote_images must be 'off' or 'download'"):
        load_config(settings)
    settings.write_text("remote_images: download\n", encoding="utf-8")
    assert load_config(settings).remote_images == "download"
