"""Card faces → the HTML the writers show: one renderer for the `.apkg` fields and the sheets.

Note text never becomes markup: every piece is escaped here, and nh3 cleans the result as a
last line of defence. The one exception is a hand-written card's text: its Markdown is rendered,
and the few harmless tags its author wrote are kept (`written.py`).
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable, Iterable
from html import escape, unescape
from pathlib import Path

import nh3

from ..model import BLANK, CLOZE_CLOSE, CLOZE_OPEN, CLOZE_SEP, Card, Face
from ..notes.imagefile import NotThatImage, carried_bytes
from ..notes.inline import INLINE_MATH  # paired as the reader pairs it (Obsidian's rule)
from ..notes.media import PLACEHOLDER, embed_ref
from . import mathguard
from .written import KEPT_TAGS, MADE_TAGS, markdown_html

BLANK_HTML = '<span class="blank"></span>'
"""The one blank style: an empty underlined gap (the stylesheet draws it)."""
_MEDIA_NAME = re.compile(r"[0-9a-f]{20}\.[a-z0-9]{1,5}")
"""A bundled file's name (see `notes/media.bundled_name`): the only `src` an image may have."""


def _attribute(element: str, attribute: str, value: str) -> str | None:
    """An image's `src` survives only as a bundled file's name: never a remote or `data:` URL."""
    if element == "img" and attribute == "src":
        return value if _MEDIA_NAME.fullmatch(value) else None
    return value


_NO_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
"""An image whose `src` the cleaner dropped: nothing to show."""
_ATTRIBUTES = {"div": {"class"}, "span": {"class"}, "li": {"class"}, "b": {"class"},
               "img": {"src", "alt", "width", "height"}}  # fmt: skip
_TAGS_SHOWN = {"div", "span", "b", "i", "ol", "li", "br", "img"}
_CLEANER = nh3.Cleaner(
    tags=_TAGS_SHOWN,
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute,
    url_schemes=set(),
)
_WRITTEN_CLEANER = nh3.Cleaner(
    tags=_TAGS_SHOWN | KEPT_TAGS | MADE_TAGS,
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute,
    url_schemes=set(),
)
"""For a hand-written card's fields: also the tags its author may write and Markdown makes."""
_FILLED = ("sentence", "cloze")
"""Kinds whose back shows the source sentence with the answer in place, instead of the question."""


_DELETION = re.compile(
    f"{CLOZE_OPEN}(\\d+){CLOZE_SEP}([^{CLOZE_SEP}{CLOZE_CLOSE}]*)(?:{CLOZE_SEP}([^{CLOZE_CLOSE}]*))?{CLOZE_CLOSE}"
)
"""A cloze card's deletion in its question: number, text, hint (see `model.CLOZE_OPEN`)."""


def _with_images(html: str, face: Face) -> str:
    """Escaped card text with each embed the package bundles shown as the image, at the size
    the note asks for; an image not bundled stays a short text: `[image: crumb.png]`."""
    if "[image: " not in html:
        return html
    found = {escape(i.ref): i for i in face.media}

    def one(m: re.Match[str]) -> str:
        image = found.get(embed_ref(m))
        if image is None:
            return f"[image: {m.group(1).rsplit('/', 1)[-1]}]"
        size = "".join(f' {k}="{v}"' for k, v in (("width", image.width), ("height", image.height)) if v)
        return f'<img src="{image.name}" alt="{m.group(1).rsplit("/", 1)[-1]}"{size}>'

    return PLACEHOLDER.sub(one, html)


def media_files(cards: Iterable[Card]) -> dict[str, bytes]:
    """Each bundled name the cards show → the bytes bundled under it (`imagefile.carried_bytes`),
    each once; a file deleted since its note was read, or no longer the image its name says, is
    left out (the card shows no image until the note is saved)."""
    found = {image.name: path for c in cards for image, path in zip(c.face.media, c.files, strict=True)}
    files = {}
    for name, path in found.items():
        try:
            files[name] = carried_bytes(Path(path))
        except (OSError, NotThatImage):
            continue
    return files


def text_html(text: str) -> str:
    """Plain text as HTML: escaped, its line breaks kept."""
    return escape(text).replace("\n", "<br>")


def field_html(face: Face, text: str) -> str:
    """One of the face's texts as HTML: a hand-written card's Markdown rendered as Obsidian shows
    it (`written.py`), any other text escaped."""
    if not face.markdown:
        return text_html(text)
    return markdown_html(text, breaks=face.markdown == "breaks", verbatim=_VERBATIM)


def _deletions(face: Face, shown: str) -> str:
    """A cloze card's text as HTML, each deletion written by `shown` (a format of its HTML)."""
    return _DELETION.sub(lambda m: shown.format(m.group(2)), field_html(face, face.question))


def plain_question(question: str) -> str:
    """A question as one line of plain text: the blank as `_____`, deletions in Anki's markup
    (for the lock, `preview` and `--json`)."""
    question = question.replace(BLANK, "_____")
    return _DELETION.sub(
        lambda m: f"{{{{c{m.group(1)}::{'::'.join(g for g in m.groups()[1:] if g)}}}}}", question
    )


def _protect(html: str) -> str:
    """Characters that would end or split an Anki deletion, as character references."""
    return html.replace(":", "&#58;").replace("{", "&#123;").replace("}", "&#125;")


def cloze_html(face: Face) -> str:
    """A cloze card's text in Anki's markup, `{{c1::text::hint}}`, for the Cloze note type. The
    text is cleaned before the markup goes in: nh3 would undo the references that keep a `::`
    or `}}` in the note's text from ending a deletion."""
    html = safe_html(_with_images(field_html(face, face.question), face), written=bool(face.markdown))

    def part(fragment: str) -> str:  # each part on its own: Anki may show a deletion apart from the rest
        return mathguard.guard(_protect(fragment))

    out, at = [], 0
    for m in _DELETION.finditer(html):
        hint = f"::{part(m.group(3))}" if m.group(3) else ""
        out += [part(html[at : m.start()]), f"{{{{c{m.group(1)}::{part(m.group(2))}{hint}}}}}"]
        at = m.end()
    return "".join(out) + part(html[at:])


def safe_html(fragment: str, *, written: bool = False) -> str:
    """Markup outside a small allow-list (scripts, event handlers, iframes, styles, links) is
    dropped by nh3; a hand-written card's fields (`written`) may also hold `written.KEPT_TAGS`
    and what Markdown makes. Fields are escaped before this, so it changes nothing unless
    something upstream went wrong."""
    if "<" not in fragment:  # no tag, nothing to clean
        return fragment
    return _NO_SOURCE.sub("", (_WRITTEN_CLEANER if written else _CLEANER).clean(fragment))


def topic(face: Face) -> str:
    """`Note title › section`, shown above the question (plain text)."""
    return " › ".join(p for p in (face.title, *face.section) if p)


def question_html(face: Face) -> str:
    """The question with its blank and, above it, the lead-in that gives it context. A fill-in
    question is marked `fill`: the back shows its sentence whole instead (see card.css)."""
    if face.kind == "cloze":
        q = _deletions(face, BLANK_HTML)
    else:
        q = field_html(face, face.question).replace(BLANK, BLANK_HTML)
    if face.kind in _FILLED:
        q = f'<div class="fill">{q}</div>'
    lead = f'<div class="lead">{escape(face.lead)}</div>' if face.lead else ""
    return safe_html(_with_images(lead + q, face), written=bool(face.markdown))


def answer_html(face: Face) -> str:
    """The answer: a fill-in card's sentence with the answer in place, a list's items in order
    with the answer marked, or the answer itself."""
    return safe_html(_with_images(_answer(face), face), written=bool(face.markdown))


def _answer(face: Face) -> str:
    if face.kind == "cloze":
        return _deletions(face, '<b class="hl">{}</b>')
    if face.kind in _FILLED and face.highlight != (0, 0):
        a, b = face.highlight
        c = face.context
        return f'{escape(c[:a])}<b class="hl">{escape(c[a:b])}</b>{escape(c[b:])}'
    if face.kind == "list" and face.items:
        marked = set(face.items) if face.answer not in face.items else {face.answer}
        items = "".join(
            f'<li class="hl">{escape(i)}</li>' if i in marked else f"<li>{escape(i)}</li>" for i in face.items
        )
        return f"<ol>{items}</ol>"
    return field_html(face, face.answer)


def extra_html(face: Face) -> str:
    """A cloze card's Extra field: what its author wrote below the text."""
    return safe_html(_with_images(field_html(face, face.answer), face), written=bool(face.markdown))


def context_html(face: Face) -> str:
    """The source sentence or bullet, when the answer does not already show it whole."""
    if face.kind in _FILLED or face.kind == "list" or face.context.endswith(f": {face.answer}"):
        return ""
    context = face.context.removeprefix(f"{face.answer}: ") if face.kind == "term" else face.context
    return safe_html(_with_images(escape(context), face))


def sourcetext_html(card: Card) -> str:
    """Where the card comes from: the source's name and the note's title, else the note's path."""
    f = card.face
    return " · ".join(p for p in (f.source, f.title) if p) or card.note_path


def source_html(card: Card) -> str:
    """The source line, with a link that opens the note in Obsidian when the vault is known."""
    text = escape(sourcetext_html(card))
    url = card.face.note_url
    return f'{text} <a class="note" href="{escape(url)}">open note</a>' if url else text


def links_html(face: Face) -> str:
    """A `▶ mm:ss` link per moment."""
    return " ".join(f'<a href="{escape(t.url)}">▶ {escape(t.label)}</a>' for t in face.timestamps)


_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)

"""Pandoc's and Obsidian's rule: `$` opens math when a non-space follows it and closes it when a
non-space comes before it and no digit after it, so "$100 and $250" stays text."""
_MATHJAX = re.compile(r"\\\((?:(?!\\\)).)*\\\)|\\\[(?:(?!\\\]).)*\\\]", re.S)
"""A formula in MathJax's delimiters, `\\(…\\)` or `\\[…\\]`, as cards written for Anki hold them."""
_VERBATIM = re.compile("|".join(p.pattern for p in (_DISPLAY_MATH, INLINE_MATH, _MATHJAX, PLACEHOLDER)), re.S)
"""What a hand-written card's Markdown keeps as written: formulas and image embeds (`mathjax`
and `mathguard` decide later which formulas are typeset)."""
_CODE = re.compile(r"<(code|pre)>.*?</\1>", re.S)
"""Code on a hand-written card: its dollars are never math, as in Obsidian."""


def _outside_code(html: str, change: Callable[[str], str]) -> str:
    """`html` with `change` applied to all but its code."""
    out, at = [], 0
    for m in _CODE.finditer(html):
        out += [change(html[at : m.start()]), m.group(0)]
        at = m.end()
    return "".join(out) + change(html[at:])


def math_svg(html: str) -> str:
    """`$…$` and `$$…$$` in a field as images of the formula, drawn by ziamath, for the sheets
    (WeasyPrint runs no MathJax). The SVG goes in as a `data:` image, so nothing in it can act
    on the page; a formula ziamath cannot read stays as written."""
    if "$" not in html:
        return html
    return _outside_code(
        html, lambda h: "".join(part if part.startswith("<") else _math_text(part) for part in _TAGS.split(h))
    )


_TAGS = re.compile(r"(<[^>]*>)")
"""A tag, whose attribute values (an image's `alt`) are never math."""


def _math_text(text: str) -> str:
    text = _DISPLAY_MATH.sub(lambda m: _formula(m.group(0), m.group(1), display=True), text)
    return INLINE_MATH.sub(lambda m: _formula(m.group(0), m.group(1), display=False), text)


def _formula(written: str, latex: str, *, display: bool) -> str:
    if "<" in latex or not mathguard.allowed(unescape(latex)):  # markup inside: the dollars were not math
        return written
    img = _formula_img(unescape(latex), display)
    return img.replace("ALT", escape(unescape(written))) if img else written


_VIEWBOX = re.compile(r'viewBox="[-\d.]+ ([-\d.]+) [-\d.]+ ([-\d.]+)"')
MATH_SIZE = 13.0
"""The formulas' font size on sheets, in points (the sheet's text is 10–11 pt)."""


@functools.lru_cache(maxsize=2048)
def _formula_img(latex: str, display: bool) -> str:
    import ziamath  # here: loading its font costs a quarter second, and only sheets with math need it

    try:
        svg = ziamath.zmath.Latex(latex, size=MATH_SIZE).svg()
    except Exception:  # ziamath and latex2mathml raise many kinds on LaTeX they cannot read
        return ""
    box = _VIEWBOX.search(svg)
    below = float(box.group(1)) + float(box.group(2)) if box else 0.0  # the baseline's depth
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    kind, align = "math display" if display else "math", f"vertical-align: {-below:.2f}px"
    return f'<img class="{kind}" alt="ALT" style="{align}" src="data:image/svg+xml;base64,{data}">'


def mathjax(html: str) -> str:
    """A field's HTML as Anki's MathJax may read it: `$…$` and `$$…$$` as `\\(…\\)` and `\\[…\\]`
    when the formula is allowed (`mathguard.ALLOWED_TEX`), and no other formula."""
    if "$" in html:
        html = _outside_code(html, _delimited)
    return mathguard.guard(html)


def _delimited(html: str) -> str:
    html = _DISPLAY_MATH.sub(lambda m: _delimit(m, "\\[", "\\]"), html)
    return INLINE_MATH.sub(lambda m: _delimit(m, "\\(", "\\)"), html)


def _delimit(m: re.Match[str], opening: str, closing: str) -> str:
    latex = m.group(1)
    if "<" in latex or not mathguard.allowed(unescape(latex)):  # markup inside, or a command not allowed
        return m.group(0)
    return f"{opening}{latex}{closing}"
