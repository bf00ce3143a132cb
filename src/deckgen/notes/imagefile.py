"""What a package, a sheet or a push carries for an image file: its bytes only when they are the
image type its name says, and an SVG only as a sanitised copy.

An image is shown by Anki, by a browser opening a sheet and by WeasyPrint laying out a PDF. A file
named `.png` that holds HTML, or an SVG that names other files (`<image href="file:///…">`), runs
scripts or embeds a web page (`<foreignObject>`), would carry into those places what the note's
author never showed. Raster files are checked by their first bytes. An SVG is parsed and
rebuilt from a small allow-list of drawing elements and attributes, with references only inside
the drawing itself (`#id`): sanitising keeps it a sharp vector drawing and needs only the
standard library, where rasterising would need a renderer (and its own attack surface) and a size.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

_MAGIC: dict[str, tuple[re.Pattern[bytes], str]] = {
    ".png": (re.compile(rb"\x89PNG\r\n\x1a\n"), "PNG"),
    ".jpg": (re.compile(rb"\xff\xd8\xff"), "JPEG"),
    ".jpeg": (re.compile(rb"\xff\xd8\xff"), "JPEG"),
    ".gif": (re.compile(rb"GIF8[79]a"), "GIF"),
    ".webp": (re.compile(rb"RIFF....WEBP", re.S), "WebP"),
    ".bmp": (re.compile(rb"BM"), "BMP"),
    ".avif": (re.compile(rb"....ftypavi[fs]", re.S), "AVIF"),
    ".tif": (re.compile(rb"II\*\x00|MM\x00\*"), "TIFF"),
    ".tiff": (re.compile(rb"II\*\x00|MM\x00\*"), "TIFF"),
}
"""Each raster type's first bytes (its "magic number"), by the file name's extension."""

SVG_NS = "http://www.w3.org/2000/svg"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_ELEMENTS = frozenset(
    """svg g defs symbol use path rect circle ellipse line polyline polygon text tspan textPath title
    desc linearGradient radialGradient stop clipPath mask pattern marker""".split()
)
"""The SVG elements kept: shapes, text, grouping, gradients, clips and markers. Everything else is
dropped with what it holds: script, foreignObject, image, a, style, animate, set, feImage, …"""
_PRESENTATION = """id class viewBox width height x y x1 y1 x2 y2 cx cy r rx ry fx fy d points transform
    fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin stroke-dasharray
    stroke-dashoffset stroke-miterlimit stroke-opacity opacity style font-family font-size
    font-weight font-style text-anchor dominant-baseline alignment-baseline letter-spacing dx dy
    rotate textLength lengthAdjust preserveAspectRatio version gradientUnits gradientTransform
    spreadMethod offset stop-color stop-opacity clip-path clip-rule clipPathUnits mask maskUnits
    maskContentUnits patternUnits patternContentUnits patternTransform markerWidth markerHeight
    markerUnits refX refY orient marker-start marker-mid marker-end visibility display overflow
    vector-effect paint-order href""".split()
_ATTRIBUTES = frozenset([*_PRESENTATION, _XLINK, "{http://www.w3.org/XML/1998/namespace}space"])
"""The attributes kept: geometry and presentation. No event handler (`on…`) is among them."""
_URL = re.compile(r"url\s*\(\s*(?!['\"]?#)", re.I)
"""A CSS or attribute `url(…)` that points outside the drawing (`url(#id)` stays inside)."""
_UNSAFE_CSS = re.compile(r"\\|@|expression|javascript", re.I)
"""CSS escapes (which could spell `url(`), at-rules (`@import`) and old scripting forms."""


class NotThatImage(ValueError):
    """A file whose bytes are not the image type its name says."""


def carried_bytes(path: Path) -> bytes:
    """The bytes deckgen carries for the image at `path`; raises `NotThatImage` (naming the file)
    when they are not the image its name says, OSError when it cannot be read."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return sanitised_svg(data, path)
    magic = _MAGIC.get(suffix)
    if magic is None or not magic[0].match(data):
        kind = magic[1] if magic else suffix.lstrip(".").upper()
        raise NotThatImage(f"{path.name} is not a {kind} image (its bytes say otherwise)")
    return data


def sanitised_svg(data: bytes, path: Path) -> bytes:
    """The SVG drawing in `data` rebuilt from the allow-lists above, or `NotThatImage`."""
    if b"<!ENTITY" in data:  # entity definitions can expand without bound
        raise NotThatImage(f"{path.name} declares XML entities, which deckgen does not read")
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        raise NotThatImage(f"{path.name} is not an SVG image (it is not well-formed XML)") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise NotThatImage(f"{path.name} is not an SVG image (its top element is not <svg>)")
    _clean(root)
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", _XLINK[1:].split("}")[0])
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _clean(element: ET.Element) -> None:
    for name, value in list(element.attrib.items()):
        if not _keep_attribute(name, value):
            del element.attrib[name]
    for child in list(element):
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag.startswith(f"{{{SVG_NS}}}") or tag.split("}")[1] not in _ELEMENTS:
            element.remove(child)
        else:
            _clean(child)


def _keep_attribute(name: str, value: str) -> bool:
    if name not in _ATTRIBUTES:
        return False
    if name in ("href", _XLINK):
        return value.startswith("#")  # a part of this drawing, never a file or a page
    return not _URL.search(value) and not (name == "style" and _UNSAFE_CSS.search(value))
