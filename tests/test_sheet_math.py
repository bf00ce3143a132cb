"""Math on study sheets: drawn as SVG by ziamath (WeasyPrint runs no MathJax), prices stay text,
the Markdown sheet keeps the formula as written."""

from __future__ import annotations

import base64
import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from deckgen.cards.render import math_svg, mathjax
from deckgen.model import Card, Deck, Face
from deckgen.write.sheets import write_sheets

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
ANSWER = "The formula $E = mc^2$ links mass and energy; a lab charges $100 or $250 to check it."


def deck(answer: str = ANSWER) -> Deck:
    face = Face("definition", "Physics", (), "Energy", (), "", "What is the Einstein relation?", answer)
    return Deck("Physics", (Card("g1", 0, "k", face, "energy.md", 3),))


def ink(pdf: Path, where: Path) -> int:
    """How many dark pixels the PDF's first page has, rendered by poppler."""
    subprocess.run(["pdftoppm", "-gray", "-r", "50", "-singlefile", str(pdf), str(where)], check=True)
    *_, pixels = where.with_suffix(".pgm").read_bytes().split(maxsplit=4)
    return sum(p < 128 for p in pixels)


def svgs(html: str) -> list[str]:
    return [
        base64.b64decode(m).decode("utf-8")
        for m in re.findall(r'<img class="math[^"]*"[^>]*src="data:image/svg\+xml;base64,([^"]+)"', html)
    ]


def test_a_formula_becomes_one_svg_and_prices_stay_text() -> None:
    html = math_svg(ANSWER)
    [svg] = svgs(html)
    assert svg.startswith("<svg") and "<path" in svg and "<script" not in svg
    assert 'alt="$E = mc^2$"' in html
    assert "$100 or $250" in html


def test_a_formula_that_could_link_or_style_stays_text_on_cards() -> None:
    link = "$\\href{javascript:alert(1)}{x}$"
    assert mathjax(f"{link} and $E = mc^2$") == f"{link} and \\(E = mc^2\\)"


def test_math_is_never_read_inside_a_tag() -> None:
    image = '<img src="0123456789abcdef0123.png" alt="x $b$.png">'
    assert math_svg(f"{image} and $a$").startswith(f'{image} and <img class="math"')


def test_the_markdown_sheet_escapes_what_a_formula_holds(tmp_path: Path) -> None:
    answer = "Injected $<img src=x onerror=alert(1)>$ here."
    [md, _] = write_sheets([deck(answer)], tmp_path, templates=TEMPLATES, built=datetime.date(2024, 5, 1),
                           formats=("md",))  # fmt: skip
    text = md.read_text("utf-8")
    assert "\\<img src=x onerror=alert(1)\\>" in text and "$<img" not in text  # Markdown's escape: text


def test_display_math_and_unreadable_latex() -> None:
    html = math_svg(r"Sum: $$\sum_{i=1}^n x_i$$ and a typo $\frac{a}{$ here")
    assert 'class="math display"' in html and len(svgs(html)) == 1
    assert r"$\frac{a}{$" in html  # ziamath cannot read it: left as written


def test_sheets_draw_the_formula_and_the_markdown_sheet_keeps_it(tmp_path: Path) -> None:
    paths = write_sheets([deck()], tmp_path, templates=TEMPLATES, built=datetime.date(2024, 5, 1),
                         formats=("html", "pdf", "md"))  # fmt: skip
    html = next(p for p in paths if p.name == "physics.html").read_text("utf-8")
    assert len(svgs(html)) == 1 and "$100 or $250" in html
    markdown = next(p for p in paths if p.name == "physics.md").read_text("utf-8")
    assert "E = mc^2" in markdown and "$100" in markdown and "data:image" not in markdown
    pdf = next(p for p in paths if p.name == "physics.pdf")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "$100" in text and "$E" not in text  # the formula is drawn, not printed as LaTeX
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    without = write_sheets([deck(ANSWER.replace("$E = mc^2$", ""))], tmp_path / "plain", templates=TEMPLATES,
                           built=datetime.date(2024, 5, 1), formats=("pdf",))[0]  # fmt: skip
    assert ink(pdf, tmp_path / "with") > ink(without, tmp_path / "without") + 20  # the formula is drawn
