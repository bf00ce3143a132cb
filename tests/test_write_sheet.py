"""Study sheets: content, page breaks, QR payloads, escaping, atomic writes and a golden HTML.

Golden files live in tests/golden/sheet/; after an intended change to the templates, rewrite them with
`DECKGEN_REGEN_GOLDEN=1 pytest tests/test_write_sheet.py` and review the diff. They hold what deckgen
generates: the stylesheet it inlines verbatim from templates/sheet.css is checked apart and stands there
as `STYLESHEET_MARK`, so a change to the CSS alone does not rewrite them.
"""

from __future__ import annotations

import datetime
import html
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar, Literal, TypedDict

import pypdf
import pytest
import segno

from deckgen.cards.render import question_html
from deckgen.errors import ConfigError
from deckgen.model import BLANK as MODEL_BLANK
from deckgen.model import Card, Deck, Face, Link
from deckgen.write.filenames import deck_slugs
from deckgen.write.sheet import qr_svg, split_name
from deckgen.write.sheets import write_sheets

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates"
GOLDEN = Path(__file__).parent / "golden" / "sheet"
REGEN = os.environ.get("DECKGEN_REGEN_GOLDEN") == "1"
BUILT = datetime.date(2024, 5, 1)
KARPATHY = "https://www.youtube.com/watch?v=zjkBMFhNj_g"
ATTENTION = "https://www.youtube.com/watch?v=eMlx5fFNoYc"
BLANK = '<span class="blank">…</span>'
STYLESHEET = TEMPLATES / "sheet.css"
STYLESHEET_MARK = "/* templates/sheet.css, inlined verbatim */\n"


def card(
    deck: str,
    n: int,
    question: str,
    answer: str,
    *,
    topic: str = "",
    stamps: Sequence[tuple[str, str]] = (),
    context: str = "",
    status: str = "",
) -> Card:
    """A card as the card stage would make it: plain text, `BLANK` marks the blank."""
    title, _, section = topic.partition(" › ")
    face = Face(
        kind="sentence", deck=deck, tags=("ml",), title=title, section=(section,) if section else (),
        lead="", question=question.replace(BLANK, MODEL_BLANK), answer=answer, context=context,
        timestamps=tuple(Link(label, url) for label, url in stamps), source="notes/a.md",
    )  # fmt: skip
    return Card(f"guid{n:03d}", 0, f"k{n}", face, "notes/a.md", n, status=status)


def llm_deck(size: int = 6) -> Deck:
    """Karpathy's intro talk; with a large `size`, generated cards make it run over several pages."""
    name = "ML::Karpathy::Intro to Large Language Models"
    base = [
        card(
            name,
            1,
            f"An LLM is essentially two files: the {BLANK} and the code that runs them.",
            "parameters",
            topic="Intro to LLMs › What an LLM is",
            stamps=[("00:43", f"{KARPATHY}&t=43s")],
            context="An LLM is essentially two files: the parameters and the code that runs them.",
        ),
        card(
            name,
            2,
            f"Llama 2 70B stores its weights in about {BLANK} of float16 numbers.",
            "140 GB",
            topic="Intro to LLMs › What an LLM is",
            stamps=[("00:43", f"{KARPATHY}&t=43s")],
        ),
        card(
            name,
            3,
            f"Pretraining compresses roughly {BLANK} of internet text into the weights.",
            "10 TB",
            topic="Intro to LLMs › Pretraining",
            stamps=[("04:40", f"{KARPATHY}&t=280s")],
        ),
        card(
            name,
            4,
            "What does next-word prediction force the network to learn?",
            "A lossy compression of the world's knowledge",
            topic="Intro to LLMs › Pretraining",
            stamps=[("06:05", f"{KARPATHY}&t=365s"), ("07:12", f"{KARPATHY}&t=432s")],
        ),
        card(
            name,
            5,
            f"Fine-tuning swaps the pretraining data for {BLANK}.",
            "high-quality Q&A conversations written by people",
            topic="Intro to LLMs › Fine-tuning",
            stamps=[("07:12", f"{KARPATHY}&t=432s")],
            status="retired",
        ),
        card(
            name,
            6,
            f"The reversal curse: a model knows A is B but not {BLANK}.",
            "that B is A",
            topic="Intro to LLMs › Fine-tuning",
        ),
    ]
    extra = [
        card(
            name,
            n,
            f"Filler question {n} about scaling laws and {BLANK} compute budgets.",
            f"answer {n}: more compute",
            topic="Intro to LLMs › Scaling",
            stamps=[(f"{n:02d}:00", f"{KARPATHY}&t={n * 60}s")],
        )
        for n in range(7, size + 1)
    ]
    return Deck(name, tuple(base[:size] + extra))


def attention_deck() -> Deck:
    name = "3Blue1Brown::Attention in transformers"
    return Deck(
        name,
        (
            card(
                name,
                101,
                f"In attention, each token's query is compared with every other token's {BLANK}.",
                "key",
                topic="Attention › Queries and keys",
                stamps=[("03:15", f"{ATTENTION}&t=195s")],
            ),
            card(
                name,
                102,
                f"The attention pattern's columns are normalised with {BLANK}.",
                "softmax",
                topic="Attention › Queries and keys",
                stamps=[("06:52", f"{ATTENTION}&t=412s")],
            ),
            card(
                name,
                103,
                f"Masking stops later tokens from {BLANK} earlier ones.",
                "influencing",
                topic="Attention › Masking",
            ),
        ),
    )


def tokens_deck() -> Deck:
    name = "Karpathy::Let's build the GPT Tokenizer"
    return Deck(
        name,
        (
            card(
                name,
                201,
                f"GPT-2's tokenizer is a byte-level {BLANK}.",
                "byte-pair encoding",
                topic="Tokenizer › Byte pairs",
                stamps=[("12:30", "https://www.youtube.com/watch?v=zduSFxRajkE&t=750s")],
            ),
        ),
    )


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def squash(text: str) -> str:
    # PDF text extraction splits lines and words unpredictably; compare without whitespace.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pdf_pages(path: Path) -> list[str]:
    return [squash(page.extract_text()) for page in pypdf.PdfReader(path).pages]


@pytest.fixture(scope="module")
def pdf_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Deck], list[Path]]:
    """One PDF build shared by the slow tests: a multi-page deck and two short ones."""
    decks = [llm_deck(40), attention_deck(), tokens_deck()]
    out = tmp_path_factory.mktemp("pdf")
    return decks, write_sheets(decks, out, templates=TEMPLATES, built=BUILT, formats=("pdf",))


def test_writes_one_sheet_per_deck_and_all_in_stable_order(tmp_path: Path) -> None:
    decks = [llm_deck(), attention_deck()]
    paths = write_sheets(decks, tmp_path, templates=TEMPLATES, built=BUILT, formats=("html", "md"))
    names = [path.relative_to(tmp_path).as_posix() for path in paths]
    assert names == [
        "sheets/ml-karpathy-intro-to-large-language-models.html",
        "sheets/ml-karpathy-intro-to-large-language-models.md",
        "sheets/3blue1brown-attention-in-transformers.html",
        "sheets/3blue1brown-attention-in-transformers.md",
        "sheets/all.html",
        "sheets/all.md",
    ]
    assert sorted(p.name for p in (tmp_path / "sheets").iterdir()) == sorted(p.name for p in paths)


def test_pdf_contains_every_question_and_answer(pdf_build: tuple[list[Deck], list[Path]]) -> None:
    decks, paths = pdf_build
    for deck, path in [*zip(decks, paths, strict=False), *((deck, paths[-1]) for deck in decks)]:
        text = "".join(pdf_pages(path))
        for c in deck.cards:
            assert squash(text_of(question_html(c.face))) in text, (path.name, c.face.question)
            assert squash(text_of(c.face.answer)) in text, (path.name, c.face.answer)


def test_each_deck_starts_on_a_new_page(pdf_build: tuple[list[Deck], list[Path]]) -> None:
    decks, paths = pdf_build
    pages = pdf_pages(paths[-1])
    starts = [next(i for i, page in enumerate(pages) if squash(split_name(d.name)[2]) in page) for d in decks]
    assert starts[0] == 0 and starts == sorted(set(starts)), starts
    assert starts[1] > 1, "the 40-card deck should fill more than one page"
    for previous, deck, start in zip(decks, decks[1:], starts[1:], strict=False):
        assert squash(text_of(question_html(deck.cards[0].face))) in pages[start]
        assert squash(text_of(question_html(previous.cards[-1].face))) not in pages[start]


def test_paper_size_and_status_reach_the_pdf(
    tmp_path: Path, pdf_build: tuple[list[Deck], list[Path]]
) -> None:
    a4 = pypdf.PdfReader(pdf_build[1][0]).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    [letter, _] = write_sheets(
        [tokens_deck()], tmp_path, templates=TEMPLATES, built=BUILT, paper="letter", formats=("pdf",)
    )
    box = pypdf.PdfReader(letter).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert "RETIRED" in pdf_pages(pdf_build[1][0])[0]


def test_first_page_is_not_blank(tmp_path: Path, pdf_build: tuple[list[Deck], list[Path]]) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    prefix = tmp_path / "page"
    subprocess.run(
        [
            "pdftoppm",
            "-gray",
            "-r",
            "30",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf_build[1][0]),
            str(prefix),
        ],
        check=True,
    )
    data = (tmp_path / "page.pgm").read_bytes()
    magic, width, height, maxval, pixels = data.split(maxsplit=4)
    assert magic == b"P5" and int(maxval) == 255
    pixels = pixels[: int(width) * int(height)]
    dark = sum(1 for value in pixels if value < 128) / len(pixels)
    assert 0.01 < dark < 0.5, f"{dark:.1%} of page 1 is dark"


class Collector(HTMLParser):
    """Checks that tags are balanced and gathers hrefs and QR figures."""

    VOID: ClassVar[set[str]] = {"meta", "link", "br", "img", "hr", "input", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.hrefs: list[str] = []
        self.qr_urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "href" in values:
            self.hrefs.append(values["href"] or "")
        if "data-qr" in values:
            self.qr_urls.append(values["data-qr"] or "")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
        else:
            self.stack.pop()


def parse(text: str) -> Collector:
    collector = Collector()
    collector.feed(text)
    collector.close()
    return collector


@pytest.mark.parametrize("layout", ["fold", "key"])
def test_html_is_balanced_and_links_are_absolute(tmp_path: Path, layout: Literal["fold", "key"]) -> None:
    decks = [llm_deck(12), attention_deck()]
    [*_, all_html] = write_sheets(
        decks, tmp_path, templates=TEMPLATES, built=BUILT, layout=layout, formats=("html",)
    )
    text = all_html.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    checked = parse(text)
    assert checked.errors == [] and checked.stack == []
    assert checked.hrefs and all(href.startswith("https://") for href in checked.hrefs)


def test_qr_codes_encode_each_timestamp_url_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payloads: list[str] = []
    real_make = segno.make

    def recording_make(content: str, **options: Any) -> segno.QRCode:
        payloads.append(content)
        return real_make(content, **options)

    monkeypatch.setattr(segno, "make", recording_make)  # write_sheet calls segno.make
    [deck_html, _] = write_sheets([llm_deck()], tmp_path, templates=TEMPLATES, built=BUILT, formats=("html",))
    expected = [f"{KARPATHY}&t=43s", f"{KARPATHY}&t=280s", f"{KARPATHY}&t=365s", f"{KARPATHY}&t=432s"]
    assert payloads == expected  # made once per deck, shared by its sheet and all.html
    text = deck_html.read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="qr" data-qr="([^"]+)">(.*?)</figure>', text, flags=re.S)
    assert [html.unescape(url) for url, _ in figures] == expected
    for url, svg in figures:
        assert svg == str(qr_svg(html.unescape(url)))
    # Card 2 repeats card 1's moment and points back to its code. Only a card's first moment
    # gets a code, so card 4's second moment (07:12) is a plain link and card 5 prints its code.
    assert text.count("QR at card 1") == 1 and "QR at card 4" not in text
    assert text.count('data-qr="') == 4


def test_qr_can_be_turned_off(tmp_path: Path) -> None:
    [path, _] = write_sheets(
        [llm_deck()], tmp_path, templates=TEMPLATES, built=BUILT, qr=False, formats=("html",)
    )
    text = path.read_text(encoding="utf-8")
    assert "<svg" not in text and "QR at" not in text
    assert '<a href="https://www.youtube.com/watch?v=zjkBMFhNj_g&amp;t=43s">' in text


def test_note_text_never_becomes_markup(tmp_path: Path) -> None:
    name = 'Talks::<script>alert("deck")</script>'
    evil = card(
        name,
        1,
        f"Which tag runs code? {BLANK}",
        "script",
        topic="<script>x()</script> › Tags",
        status="<b>retired</b>",
        stamps=[("<i>1:00</i>", "javascript:alert(1)")],
    )
    paths = write_sheets(
        [Deck(name, (evil,))], tmp_path, templates=TEMPLATES, built=BUILT, formats=("html", "md")
    )
    sheet, markdown = (path.read_text(encoding="utf-8") for path in paths[:2])
    assert "<script" not in sheet and "<b>retired" not in sheet and "<i>1:00" not in sheet
    assert re.search(r"(?<!\\)[<>]", markdown) is None  # every angle bracket is escaped
    assert "javascript:" not in sheet + markdown
    assert "&lt;script&gt;alert(&#34;deck&#34;)&lt;/script&gt;" in paths[0].read_text(encoding="utf-8")
    assert r"\<script\>x()\</script\>" in paths[1].read_text(encoding="utf-8")
    assert all(path.parent == tmp_path / "sheets" for path in paths)


def test_slugs_stay_in_the_sheet_folder_and_are_unique(tmp_path: Path) -> None:
    names = ["../../x", "ML::Über Ängste", "ML::Über Ängste", "All", "::", "Notes/2024.06 — recap"]
    assert deck_slugs(names) == (
        "x",
        "ml-uber-angste",
        "ml-uber-angste-2",
        "all-2",
        "deck",
        "notes-2024-06-recap",
    )
    decks = [Deck(name, (card(name, 1, "Q?", "A"),)) for name in names]
    paths = write_sheets(decks, tmp_path, templates=TEMPLATES, built=BUILT, formats=("md",))
    assert len(set(paths)) == len(paths) == len(names) + 1
    assert all(path.resolve().parent == (tmp_path / "sheets").resolve() for path in paths)


def test_cards_keep_their_order_and_numbers(tmp_path: Path) -> None:
    deck = llm_deck(12)
    [path, _] = write_sheets([deck], tmp_path, templates=TEMPLATES, built=BUILT, formats=("md",))
    text = path.read_text(encoding="utf-8")
    positions = [text.index(f"{n}. ") for n in range(1, 13)]
    assert positions == sorted(positions)
    assert text.startswith("# ML › Karpathy › Intro to Large Language Models\n")
    assert "*(retired)*" in text and "**…**" in text and "Q\\&A" in text


def test_failed_write_leaves_no_half_written_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [path, _] = write_sheets([tokens_deck()], tmp_path, templates=TEMPLATES, built=BUILT, formats=("html",))
    before = path.read_bytes()

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)  # deckgen.files renames with os.replace
    with pytest.raises(OSError, match="disk full"):
        write_sheets([llm_deck()], tmp_path, templates=TEMPLATES, built=BUILT, formats=("html",))
    assert sorted(p.name for p in path.parent.iterdir()) == ["all.html", path.name]
    assert path.read_bytes() == before


def test_broken_template_writes_nothing(tmp_path: Path) -> None:
    custom = tmp_path / "templates"
    shutil.copytree(TEMPLATES, custom)
    (custom / "sheet.md.j2").write_text("# Sheet\n\n{{ sections[0].no_such_field }}", encoding="utf-8")
    where = re.escape(f"{custom / 'sheet.md.j2'}:3: ")
    with pytest.raises(ConfigError, match=where + ".*no_such_field.* — fix the study-sheet template"):
        write_sheets([tokens_deck()], tmp_path / "out", templates=custom, built=BUILT, formats=("html", "md"))
    assert not (tmp_path / "out").exists()
    (custom / "sheet.md.j2").unlink()
    with pytest.raises(ConfigError, match=r"sheet\.md\.j2: study-sheet template missing"):
        write_sheets([tokens_deck()], tmp_path / "out", templates=custom, built=BUILT, formats=("md",))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"paper": "a3"}, "paper"),
        ({"columns": 0}, "columns"),
        ({"layout": "grid"}, "layout"),
        ({"formats": ("docx",)}, "formats"),
    ],
)
def test_bad_options_are_config_errors(tmp_path: Path, options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):  # values outside the typed ones, as from YAML
        write_sheets([tokens_deck()], tmp_path, templates=TEMPLATES, built=BUILT, **options)  # type: ignore[arg-type]


def test_no_decks_write_nothing(tmp_path: Path) -> None:
    assert write_sheets([], tmp_path, templates=TEMPLATES, built=BUILT) == []
    assert not (tmp_path / "sheets").exists()


class SheetOptions(TypedDict, total=False):
    """The `write_sheets` options a golden file varies."""

    layout: Literal["fold", "key"]
    columns: int
    paper: Literal["a4", "letter"]


def without_stylesheet(page: str) -> str:
    """`page` with the stylesheet swapped for `STYLESHEET_MARK`, once checked to be inlined verbatim."""
    css = STYLESHEET.read_text(encoding="utf-8")
    assert page.count(css) == 1, "templates/sheet.css must be inlined exactly once, unchanged"
    assert page.count(f"<style>\n{css}") == 1, "the stylesheet must open the <style> block"
    return page.replace(css, STYLESHEET_MARK)


@pytest.mark.parametrize(
    "golden, options",
    [
        ("fold.html", SheetOptions(layout="fold")),
        ("key.html", SheetOptions(layout="key", columns=2, paper="letter")),
        ("fold.md", SheetOptions(layout="fold")),
        ("key.md", SheetOptions(layout="key")),
    ],
)
def test_golden_sheet(tmp_path: Path, golden: str, options: SheetOptions) -> None:
    fmt: Literal["html", "md"] = "html" if golden.endswith(".html") else "md"
    decks = [llm_deck(), attention_deck()]
    paths = write_sheets(decks, tmp_path, templates=TEMPLATES, built=BUILT, formats=(fmt,), **options)
    actual = paths[-1].read_text(encoding="utf-8")
    if fmt == "html":
        actual = without_stylesheet(actual)
    else:
        assert STYLESHEET.read_text(encoding="utf-8") not in actual
    expected = GOLDEN / golden
    if REGEN:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(actual, encoding="utf-8")
    assert expected.exists(), "run `DECKGEN_REGEN_GOLDEN=1 pytest tests/test_write_sheet.py` to create it"
    assert actual == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text, line",
    [
        ("<html>\n{% for s in sections %}\n{{ s.title }}\n", 3),  # never closed: its last line
        ("<html>\n{{ sections[0] | no_such_filter }}\n", 2),
        ("<p>\n\n{{ sections[0].items[0].card.no_such_field }}</p>\n", 3),
        ("<p>\n{% include 'part.j2' %}\n", 2),  # the included file's own line
    ],
)
def test_template_mistakes_name_the_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "sheet.html.j2").write_text(text, encoding="utf-8")
    (custom / "part.j2").write_text("<b>\n{{ 1 +  }}\n", encoding="utf-8")
    target = "part.j2" if "include" in text else "sheet.html.j2"
    with pytest.raises(ConfigError) as caught:
        write_sheets([tokens_deck()], tmp_path / "out", templates=custom, built=BUILT, formats=("html",))
    assert str(caught.value).startswith(f"{custom / target}:{line}: ")
    assert not (tmp_path / "out").exists()


def test_topic_is_escaped_once(tmp_path: Path) -> None:
    """A note titled "Q&A with R&D" through the real card stage: the sheet shows its topic as written."""
    from deckgen.build.readall import make_cards
    from deckgen.config import Config
    from deckgen.notes import read_note
    from deckgen.write.package import group

    note = tmp_path / "qa.md"
    note.write_text(
        "---\ntitle: Q&A with R&D\n---\n## Labs & budgets\n\n"
        "* **Skunkworks:** A small team that works apart from the main company.\n",
        encoding="utf-8",
    )
    cards, _ = make_cards([read_note(note, note.name)], Config())
    paths = write_sheets(group(cards), tmp_path, templates=TEMPLATES, built=BUILT, formats=("html", "md"))
    sheet, markdown = (path.read_text(encoding="utf-8") for path in paths[:2])
    topic = re.search(r'<p class="topic">(.*?)</p>', sheet)
    assert topic is not None and html.unescape(topic[1]) == "Q&A with R&D › Labs & budgets"
    assert "&amp;amp;" not in sheet and "&amp;" not in markdown
    assert "## Q\\&A with R\\&D › Labs \\& budgets\n" in markdown


def test_emoji_in_a_heading_print_in_colour_not_as_boxes(tmp_path: Path) -> None:
    """Issue 21: "🚀 Launch plans" printed an empty box where the rocket stands. With a colour emoji
    font installed (Noto Color Emoji; `.ci/run` installs it), the system's font fallback prints the
    heading's emoji as colour glyphs: the page has warm-coloured pixels where a box would be black.
    (Naming the font in the sheet's CSS is worse: it then takes over characters it should not.)"""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    name = "Space::Launch"
    deck = Deck(name, (card(name, 1, f"Thrust is the {BLANK} that moves a rocket.", "force",
                            topic="Rockets › 🚀 Launch plans 🌍"),))  # fmt: skip
    pdf = write_sheets([deck], tmp_path, templates=TEMPLATES, built=BUILT, formats=("pdf",))[0]
    prefix = tmp_path / "page"
    page_one = ["-r", "150", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(["pdftoppm", *page_one, str(pdf), str(prefix)], check=True)
    data = (tmp_path / "page.ppm").read_bytes()
    magic, width, height, maxval, pixels = data.split(maxsplit=4)
    assert magic == b"P6" and int(maxval) == 255
    rgb = pixels[: int(width) * int(height) * 3]
    pixels_rgb = [rgb[i : i + 3] for i in range(0, len(rgb), 3)]
    coloured = sum(1 for p in pixels_rgb if max(p) - min(p) > 80 and p[0] > p[2])  # warm: not the teal theme
    assert coloured > 12, f"only {coloured} warm-coloured pixels: the emoji printed as boxes"
