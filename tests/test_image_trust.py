"""Images carry only what deckgen resolved (issue 22, item 10): an SVG in the vault cannot pull a
file from outside it into the PDF sheets, an SVG is bundled sanitised, and a file whose bytes are
not the image its name says (HTML saved as `.png`) is not bundled, with a warning naming it."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
import weasyprint

from deckgen.build import BuildOptions, build
from deckgen.config import Config
from deckgen.notes.imagefile import NotThatImage, carried_bytes
from deckgen.write.sheet import SheetSettings
from deckgen.write.sheet_fetch import SheetFetcher
from deckgen.write.sheets import write_all
from test_media import NOW, TEMPLATES, name_of, png

SVG = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
 width="40" height="40" viewBox="0 0 40 40" onload="alert(1)">
  <script>alert(2)</script>
  <defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>
  <rect id="box" width="40" height="40" fill="url(#g)" style="stroke:blue"/>
  <use href="#box"/>
  <image href="{private}" width="40" height="40"/>
  <image xlink:href="{private}" width="40" height="40"/>
  <use href="{private}#x"/>
  <foreignObject width="40" height="40"><body xmlns="http://www.w3.org/1999/xhtml">hi</body></foreignObject>
  <a href="javascript:alert(3)"><circle r="4" onclick="alert(4)"/></a>
  <set attributeName="href" to="javascript:alert(5)"/>
  <circle r="5" fill="url(file:///etc/x)" style="fill:url(https://evil.example/p)"/>
</svg>
"""
NOTE = """\
#flashcards

What does the diagram show? :: a box ![[diagram.svg]]

Is this a picture? :: no ![[evil.png]]

And this one? :: yes ![[good.png]]
"""


def hostile_vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    private = tmp_path / "private" / "private.png"
    private.parent.mkdir()
    private.write_bytes(png(250, 0, 250))
    (root / "diagram.svg").write_text(SVG.format(private=private.as_uri()), encoding="utf-8")
    (root / "evil.png").write_text("<html><script>alert(6)</script></html>", encoding="utf-8")
    (root / "good.png").write_bytes(png(1, 2, 3))
    (root / "cards.md").write_text(NOTE, encoding="utf-8")
    return root


def test_an_svg_cannot_pull_a_file_from_outside_into_the_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    fetch = SheetFetcher.fetch

    def spy(self: SheetFetcher, url: str, headers: object = None) -> object:
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(SheetFetcher, "fetch", spy)
    result = build([hostile_vault(tmp_path)], tmp_path / "out", Config(), NOW, BuildOptions(write=False))
    settings = SheetSettings((TEMPLATES,), "2024-05-01", formats=("html", "pdf"))
    run = write_all(result.decks, tmp_path / "out", settings, jobs=1)
    pdf = next(p for p in run.paths if p.suffix == ".pdf" and p.stem != "all")
    images = [image for page in pypdf.PdfReader(pdf).pages for image in page.images]
    colours = {image.image.convert("RGB").getpixel((0, 0)) for image in images if image.image is not None}
    assert (250, 0, 250) not in colours  # the private file's one colour
    assert (1, 2, 3) in colours  # the good PNG is drawn
    assert asked and not [url for url in asked if "private" in url]  # never even asked for
    sheet_svg = (tmp_path / "out" / "sheets" / "media").glob("*.svg")
    assert all(b"private" not in p.read_bytes() for p in sheet_svg)


def test_svg_is_bundled_sanitised_and_html_as_png_is_not_bundled(tmp_path: Path) -> None:
    root = hostile_vault(tmp_path)
    result = build([root], tmp_path / "out", Config(), NOW, BuildOptions(lock=tmp_path / "deckgen.lock"))
    [warning] = [str(p) for p in result.problems]
    assert "evil.png" in warning and "is not a PNG image" in warning and ":5:" in warning
    with zipfile.ZipFile(result.outputs[0]) as z:
        names = json.loads(z.read("media"))
        files = {name: z.read(member) for member, name in names.items()}
    assert sorted(n.rsplit(".", 1)[1] for n in files) == ["png", "svg"]
    assert files[name_of(png(1, 2, 3))] == png(1, 2, 3)  # a good PNG is bundled as it is
    [svg] = [data for name, data in files.items() if name.endswith(".svg")]
    for gone in (b"private", b"script", b"alert", b"foreignObject", b"<image", b"onload", b"evil", b"file:"):
        assert gone not in svg, gone
    assert b"<rect" in svg and b'fill="url(#g)"' in svg and b'href="#box"' in svg  # the drawing stays


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.png", png(1, 1, 1)),
        ("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ("a.jpeg", b"\xff\xd8\xff\xdb"),
        ("a.gif", b"GIF89a\x01\x00\x01\x00"),
        ("a.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 "),
        ("a.bmp", b"BM\x00\x00"),
        ("a.avif", b"\x00\x00\x00\x1cftypavif"),
        ("a.tif", b"II*\x00\x08\x00"),
    ],
)
def test_each_raster_type_is_checked_by_its_first_bytes(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert carried_bytes(path) == data
    html = tmp_path / f"html{path.suffix}"
    html.write_bytes(b"<!DOCTYPE html><html><body onload=alert(1)>")
    with pytest.raises(NotThatImage, match=re.escape(html.name)):
        carried_bytes(html)


def test_an_svg_that_is_not_an_svg_drawing_is_refused(tmp_path: Path) -> None:
    for text in ("<html><body>x</body></html>", "<svg", '<!DOCTYPE x [<!ENTITY a "aa">]><svg/>'):
        path = tmp_path / "x.svg"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(NotThatImage, match=r"x\.svg"):
            carried_bytes(path)


def test_the_pdf_fetcher_serves_only_bundled_images_and_data_urls(tmp_path: Path) -> None:
    private, other = tmp_path / "private.png", tmp_path / "other.png"
    private.write_bytes(png(250, 0, 250))
    other.write_bytes(png(0, 250, 0))
    inner = f'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><image href="{private.as_uri()}" '
    inner += 'width="9" height="9"/></svg>'  # an SVG that names a file, inside a data: URL
    good = name_of(png(1, 2, 3))
    html = f'<img src="data:image/svg+xml;base64,{base64.b64encode(inner.encode()).decode()}">'
    html += f'<img src="deckgen-media:{good}"><img src="{other.as_uri()}"><img src="media/x.png">'
    fetcher = SheetFetcher({good: png(1, 2, 3)})
    document = weasyprint.HTML(string=html, base_url=str(tmp_path), url_fetcher=fetcher).render()
    images = [
        i.image for page in pypdf.PdfReader(io.BytesIO(document.write_pdf())).pages for i in page.images
    ]
    assert {image.convert("RGB").getpixel((0, 0)) for image in images if image is not None} == {(1, 2, 3)}
    assert set(fetcher.refused) == {private.as_uri(), other.as_uri(), (tmp_path / "media" / "x.png").as_uri()}
