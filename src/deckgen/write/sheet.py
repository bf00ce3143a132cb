"""Study sheets: print-ready HTML per topic deck and for all decks, PDF from the same HTML.

The learner covers the answer column (fold layout) or turns to an answer key (key layout);
timestamps stay clickable on screen and become QR codes on paper.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import jinja2
import segno
from markupsafe import Markup

from deckgen.cards import render
from deckgen.errors import ConfigError
from deckgen.model import Card, Deck
from deckgen.write.pdf import split_pdf
from deckgen.write.sheet_fetch import MEDIA_URL, SheetFetcher
from deckgen.write.sheet_md import BLOCK_HTML, markdown_blocks, md_escape

SHEET_DIR = "sheets"
MAX_COLUMNS = 4
FORMATS = ("html", "pdf", "md")
_MD_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*"}
Folders = tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class Stamp:
    """A card's timestamp as printed."""

    label: str
    url: str
    """'' when the URL is not a web link: the label is then shown without one."""
    qr_at: int
    """Number of the question that shows this URL's QR code; 0 when there is none."""
    qr: Markup
    """The code as inline SVG, on the first card of the section with this URL only."""


MEDIA_DIR = "media"
"""The images cards show sit in `sheets/media/`, under their bundled names."""
_BUNDLED_SRC = re.compile(r'<img src="(?=[0-9a-f]{20}\.)')


def _media_src(html: str) -> str:
    """A card's bundled images as the sheets find them: in the `media/` folder beside them."""
    return _BUNDLED_SRC.sub(f'<img src="{MEDIA_DIR}/', html) if "<img" in html else html


@dataclass(frozen=True, slots=True)
class SheetCard:
    """A card's fields as the sheet templates show them, as HTML made by `render`."""

    question: str
    answer: str
    context: str
    status: str

    @classmethod
    def of(cls, card: Card) -> SheetCard:
        """The sheet's view of `card`."""
        f = card.face
        shown = (render.question_html(f), render.answer_html(f), render.context_html(f))
        question, answer, context = (_media_src(render.math_svg(html)) for html in shown)
        return cls(question, answer, context, card.status)


@dataclass(frozen=True, slots=True)
class Item:
    """A card with its number on the sheet."""

    number: int
    card: SheetCard
    stamps: tuple[Stamp, ...]
    new_topic: bool
    """The topic differs from the previous card's, so it is shown again."""
    topic: str = ""
    """The card's topic as plain text: the templates escape it once."""


@dataclass(frozen=True, slots=True)
class Section:
    """One deck as laid out on paper."""

    slug: str
    root: str
    source: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class SheetSettings:
    """How every sheet of one run is laid out: the same for each deck and for `all`."""

    folders: Folders
    """Template folders, searched in order (a user's, then the built-in one)."""
    built: str
    """The build date, ISO format, printed on each sheet."""
    paper: Literal["a4", "letter"] = "a4"
    columns: int = 1
    layout: Literal["fold", "key"] = "fold"
    qr: bool = True
    formats: tuple[Literal["html", "pdf", "md"], ...] = ("html", "pdf")

    def context(self) -> dict[str, object]:
        """The values every sheet template gets besides `sections`."""
        return {"built": self.built, "paper": self.paper, "columns": self.columns, "layout": self.layout}


def render_deck(deck: Deck, slug: str, settings: SheetSettings) -> dict[str, bytes]:
    """One deck's sheet in each of `settings.formats`."""
    return render_decks([(deck, slug)], settings)[0]


def render_decks(work: Sequence[tuple[Deck, str]], settings: SheetSettings) -> list[dict[str, bytes]]:
    """Each deck's sheet in each of `settings.formats`, in order.

    Each deck is laid out on its own (its pages and page numbers are its own), and their PDFs are
    written as one file and cut apart: WeasyPrint subsets the fonts once per file, which took
    two thirds of a small deck's time."""
    outputs = []
    layouts = []
    for deck, slug in work:
        section = _section(deck, slug, settings.qr)
        made = _render(settings.folders, settings.formats, [section], settings.context())
        if "pdf" in settings.formats:
            media = render.media_files(deck.cards)
            layouts.append(_layout(_media_files(made["html"].decode(), media), settings.folders, media))
        outputs.append(made)
    for made, pdf in zip(outputs, _write_pdfs(layouts), strict=True) if layouts else ():
        made["pdf"] = pdf
    return outputs


def render_all_md(decks: Sequence[Deck], slugs: Sequence[str], settings: SheetSettings) -> bytes:
    """`all.md`: every deck in one Markdown sheet."""
    sections = [_section(deck, slug, settings.qr) for deck, slug in zip(decks, slugs, strict=True)]
    return _render(settings.folders, ("md",), sections, settings.context())["md"]


def combine_html(pages: Sequence[bytes], settings: SheetSettings) -> bytes:
    """`all.html` from the decks' own sheets: the page the template makes for no deck, with each
    deck's `<body>` content in order; the same HTML as the template laying out every deck."""
    shell = _fill(settings.folders, "sheet.html.j2", sections=[], **settings.context())
    end = shell.rfind("</body>")
    if end < 0:
        raise ConfigError(f"{_html_template(settings.folders)}: the study-sheet template has no </body> — "
                          f"{_TEMPLATE_HINT}")  # fmt: skip
    return (shell[:end] + "".join(_body(page.decode()) for page in pages) + shell[end:]).encode()


def _body(page: str) -> str:
    opening = page.find("<body")
    if opening < 0:
        return ""
    start = page.find(">", opening) + 1
    # Only the content: the template's line break after <body …> stays with the shell.
    start += page.startswith("\n", start)
    return page[start : page.rfind("</body>")]


def _html_template(folders: Folders) -> Path:
    found = (f / "sheet.html.j2" for f in folders if (f / "sheet.html.j2").is_file())
    return next(found, folders[0] / "sheet.html.j2")


def check_options(paper: str, columns: int, layout: str, formats: Sequence[str]) -> None:
    """Raise a ConfigError for a layout setting outside the known ones."""
    if paper not in ("a4", "letter"):
        raise ConfigError(f"paper must be 'a4' or 'letter', not {paper!r}")
    if layout not in ("fold", "key"):
        raise ConfigError(f"layout must be 'fold' or 'key', not {layout!r}")
    if not 1 <= columns <= MAX_COLUMNS:
        raise ConfigError(f"columns must be between 1 and {MAX_COLUMNS}, not {columns}")
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown or not formats:
        raise ConfigError(f"formats must be some of html, pdf, md; got {list(formats)!r}")


def split_name(name: str) -> tuple[str, str, str]:
    """`Root::Source::Title` → (root, source, title); missing parts are ''."""
    parts = [part.strip() for part in name.split("::")]
    title = parts[-1]
    source = parts[-2] if len(parts) > 1 else ""
    return " › ".join(parts[:-2]), source, title


def qr_svg(url: str) -> Markup:
    """A QR code opening `url`, as inline SVG sized by the stylesheet."""
    code = segno.make(url, error="l", micro=False)
    # A two-module border: the white card around it provides the rest of the quiet zone.
    return Markup(code.svg_inline(omitsize=True, border=2, svgclass="qr-code"))


def _section(deck: Deck, slug: str, qr: bool) -> Section:
    root, source, title = split_name(deck.name)
    first_at: dict[str, int] = {}
    items = []
    previous_topic = None
    for number, card in enumerate(deck.cards, start=1):
        # One code per card (its first moment) keeps the page readable; the others are links.
        pairs = enumerate(card.face.timestamps)
        stamps = tuple(_stamp(t.label, t.url, number, first_at, qr and i == 0) for i, t in pairs)
        topic = render.topic(card.face)
        items.append(Item(number, SheetCard.of(card), stamps, topic != previous_topic, topic))
        previous_topic = topic
    return Section(slug, root, source, title, tuple(items))


def _stamp(label: str, url: str, number: int, first_at: dict[str, int], qr: bool) -> Stamp:
    # Only web links are clickable: a card's URL must not become a javascript: link.
    if urlsplit(url).scheme not in ("https", "http"):
        return Stamp(label, "", 0, Markup(""))
    if not qr:
        return Stamp(label, url, 0, Markup(""))
    if url in first_at:
        return Stamp(label, url, first_at[url], Markup(""))
    first_at[url] = number
    return Stamp(label, url, number, qr_svg(url))


def _render(
    templates: Folders, formats: Sequence[str], sections: list[Section], context: dict[str, object]
) -> dict[str, bytes]:
    """The Markdown and HTML sheets of `sections` (the HTML also when only the PDF is asked for)."""
    outputs: dict[str, bytes] = {}
    if "md" in formats:
        outputs["md"] = _fill(templates, "sheet.md.j2", sections=sections, **context).encode()
    if "html" in formats or "pdf" in formats:
        outputs["html"] = _fill(templates, "sheet.html.j2", sections=sections, **context).encode()
    return outputs


def _media_files(html: str, media: Mapping[str, bytes]) -> str:
    """For the PDF: each image by its bundled name, which only `SheetFetcher` serves (the HTML's
    `media/` copies are written with the sheets, after every PDF is laid out)."""
    for name in media:
        html = html.replace(f'src="{MEDIA_DIR}/{name}"', f'src="{MEDIA_URL}{name}"')
    return html


def _layout(html: str, templates: Folders, media: Mapping[str, bytes]) -> Any:
    """The sheet's pages, laid out by WeasyPrint (a `Document`)."""
    # Imported here: WeasyPrint is slow to load and only the PDF needs it.
    import weasyprint

    # Offline and closed on purpose: only the images deckgen bundled, whatever an image names.
    fetcher = SheetFetcher(media)
    base = str(_html_template(templates).parent)
    document = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher)
    return document.render(font_config=font_config(), presentational_hints=True)


def _write_pdfs(documents: Sequence[Any]) -> list[bytes]:
    """One PDF file per laid-out document: written together, then cut apart."""
    if len(documents) == 1:
        return [documents[0].write_pdf()]
    whole = documents[0].copy([page for document in documents for page in document.pages]).write_pdf()
    titles = [document.metadata.title or "" for document in documents]
    return split_pdf(whole, [len(document.pages) for document in documents], titles)


@functools.cache
def font_config() -> Any:
    """One WeasyPrint font configuration per process: making it reads the system's font setup."""
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    return FontConfiguration()


def _fill(templates: Folders, name: str, **context: object) -> str:
    """Render one template; a mistake in it becomes a `path:line` ConfigError, not a traceback."""
    template = _template(templates, name)
    try:
        return template.render(**context)
    except jinja2.TemplateSyntaxError as error:  # in a template it includes
        raise ConfigError(f"{error.filename}:{error.lineno}: {error.message} — {_TEMPLATE_HINT}") from None
    except Exception as error:  # a user's template can fail in any way its expressions can
        frames = [f for f in traceback.extract_tb(error.__traceback__) if _in(f.filename, templates)]
        if not frames:
            raise
        where = f"{frames[-1].filename}:{frames[-1].lineno}"
        raise ConfigError(f"{where}: {error} — {_TEMPLATE_HINT}") from None


_TEMPLATE_HINT = "fix the study-sheet template, or delete it to use deckgen's built-in one"


def _in(filename: str, folders: Folders) -> bool:
    return filename != "<string>" and any(Path(filename).is_relative_to(f) for f in folders)


def _template(templates: Folders, name: str) -> jinja2.Template:
    try:
        return _environment(templates, markdown=name.endswith(".md.j2")).get_template(name)
    except jinja2.TemplateNotFound as error:
        raise ConfigError(
            f"{templates[0] / name}: study-sheet template missing; copy it from deckgen's templates/ folder"
        ) from error
    except jinja2.TemplateSyntaxError as error:
        raise ConfigError(
            f"{error.filename or templates[0] / name}:{error.lineno}: {error.message} — {_TEMPLATE_HINT}"
        ) from None


def _environment(templates: Folders, *, markdown: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=not markdown,
        # Markdown's autoescape: note text must never become Markdown or HTML markup.
        finalize=_md_finalize if markdown else None,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = html_to_markdown
    env.filters["md_url"] = _md_url
    return env


def _md_finalize(value: object) -> object:
    return value if isinstance(value, Markup) else md_escape(str(value))


def _md_url(url: str) -> Markup:
    # Inside `<…>` a link target ends at `>` or a line break; nothing else needs escaping.
    return Markup(re.sub(r"[<>\s]", lambda m: f"%{ord(m[0]):02X}", url))


class _MarkdownWriter(HTMLParser):
    """Turns the card stage's small HTML fragments (b, i, blank spans) into Markdown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._open: list[tuple[str, bool, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append(" ")
            return
        if tag == "img":  # a formula as written (its alt), or a bundled image by name
            alt, kind = dict(attrs).get("alt") or "", dict(attrs).get("class") or ""
            self.parts.append(md_escape(alt) if "math" in kind else f"[image: {md_escape(alt)}]")
            return
        blank = "blank" in (dict(attrs).get("class") or "").split()
        mark = "**" if blank else _MD_MARKS.get(tag, "")
        self._open.append((mark, blank, len(self.parts)))
        self.parts.append(mark)

    def handle_endtag(self, tag: str) -> None:
        if tag == "br" or not self._open:
            return
        mark, blank, start = self._open.pop()
        if blank and not "".join(self.parts[start + 1 :]).strip():
            self.parts.append("\u2026")  # an empty blank still has to show on paper
        self.parts.append(mark)

    def handle_data(self, data: str) -> None:
        self.parts.append(md_escape(data))


def html_to_markdown(fragment: str, indent: int = 3) -> Markup:
    """A card field's HTML as one line of Markdown; a blank is bold. A hand-written card's
    lists, tables, code and line breaks as Markdown blocks, indented by `indent` spaces after
    their first line (see `sheet_md.py`)."""
    if BLOCK_HTML.search(fragment):
        return Markup(markdown_blocks(fragment, indent))
    writer = _MarkdownWriter()
    writer.feed(fragment)
    writer.close()
    return Markup(" ".join("".join(writer.parts).split()))
