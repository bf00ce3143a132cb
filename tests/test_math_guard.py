"""Only allowed formulas reach Anki's MathJax (issue 22, item 9).

Anki typesets `\\(…\\)` and `\\[…\\]` in every field with MathJax 3. Each hostile formula below, in
each place a note can hold math, is built into a package, imported into a real collection, and
each card is rendered by Anki; `mathjax_formulas` then reads the card as MathJax does (text runs
between elements, entities decoded) and lists what it would typeset. No such formula may hold a
command outside `ALLOWED_TEX`, and the allowed formulas must still be found. When Node.js and the
`mathjax-full` package are at hand (NODE_PATH), the cards are also typeset by MathJax itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from anki_check import import_apkg, open_collection
from deckgen.build import build
from deckgen.cards.mathguard import ALLOWED_TEX, allowed, guard
from deckgen.cards.render import math_svg, mathjax
from deckgen.config import Config
from deckgen.model import CLOZE_CLOSE, CLOZE_OPEN, CLOZE_SEP, Card, Face
from deckgen.write.apkg import card_fields

HOSTILE = [
    r"\href{javascript:alert('EVIL')}{x}",
    r"\style{background-image:url(https://EVIL.example/s.png)}{x}",
    r"\class{EVIL}{x}",
    r"\cssId{EVIL}{x}",
    r"\data{EVIL=1}{x}",
    r"\html{EVIL}",
    r"\unicode{x45}\text{EVIL}",
    r"\mmlToken{mi}[href='javascript:alert(1)' class='EVIL']{x}",
    r"\bbox[background-image:url(https://EVIL.example/b.png)]{x}",
    r"\bbox[background-image:url(https://EVIL.example/hint.png)]x",  # no braces: fits in a cloze hint
    r"\require{html}\href{javascript:alert('EVIL')}{x}",
    r"\def\e{\href{javascript:alert('EVIL')}{x}}\e",
    r"\newcommand{\e}{\style{background:url(https://EVIL.example)}{x}}\e",
    r"\operatorname{\href{javascript:alert('EVIL')}{x}}",
    r"\operatorname*{x}\class{EVIL}{y}",
    r"{{\frac{a}{\href{javascript:alert('EVIL')}{b}}}}",
    r"\frac{\text{$\cssId{EVIL}{y}$}}{2}",
    r"\begin{pmatrix}a & \bbox[url(https://EVIL.example)]{b}\end{pmatrix}",
]
"""Each makes MathJax 3 write a link, style, class, id or attribute (each names EVIL)."""

ALLOWED = [
    r"\frac{a}{b}",
    r"\sqrt{x^2 + y^2}",
    r"\alpha + \beta = \Gamma",
    r"\mathbf{F} = m\mathbf{a}",
    r"x_{i+1} = x_i^2",
    r"\sum_{i=1}^{n} i",
    r"\int_0^\infty e^{-x}\,dx",
    r"\left( \frac{1}{2} \right)",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
]


class _Runs(HTMLParser):
    """A page's text as MathJax 3 reads it: runs of text that an element other than `<br>`
    ends, entities decoded, nothing inside the tags MathJax skips."""

    SKIP = frozenset({"script", "noscript", "style", "textarea", "pre", "code"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = [""]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "br":
            self.runs[-1] += "\n"
            return
        self.skipping += tag in self.SKIP
        self.runs.append("")

    def handle_endtag(self, tag: str) -> None:
        self.skipping -= tag in self.SKIP
        self.runs.append("")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.runs[-1] += data


def mathjax_formulas(html: str) -> list[str]:
    """What MathJax, set up as Anki sets it, typesets in `html`: each formula's TeX."""
    parser = _Runs()
    parser.feed(html)
    parser.close()
    found = []
    for run in parser.runs:
        at = 0
        while (start := re.compile(r"\\[(\[]").search(run, at)) is not None:
            close, depth, at = {"(": "\\)", "[": "\\]"}[start.group()[1]], 0, start.end()
            for token in re.finditer(r"\\\)|\\\]|\\.|[{}]", run[start.end() :]):
                if token.group() == close and depth == 0:
                    found.append(run[start.end() : start.end() + token.start()])
                    at = start.end() + token.end()
                    break
                depth += {"{": 1, "}": -1 if depth else 0}.get(token.group(), 0)
    return found


def commands(latex: str) -> set[str]:
    return set(re.findall(r"\\([a-zA-Z]+|.)", latex))


def hostile_vault(root: Path) -> Path:
    """A flashcard note and a prose note with every formula of `HOSTILE` and `ALLOWED` in each
    place math can be written."""
    notes = root / "notes"
    notes.mkdir()
    cards, prose = ["---\ntags: [flashcards]\n---\n# Cards\n"], ["# Physics\n\n## Forces\n"]
    for i, tex in enumerate(HOSTILE + ALLOWED):
        cards += [
            f"What is \\({tex}\\) in question {i}?::It is \\[{tex}\\] in answer {i}.\n",
            f"Is ${tex}$ dollar {i}?::Yes, $${tex}$$ dollar {i}.\n",
            f"Cloze {i} holds {{{{c1::\\({tex}\\)::hint \\({tex}\\)}}}} here.\n",
            f"Cloze {i} also holds ==\\[{tex}\\]==^[\\({tex}\\)] in its text.\n",
        ]
        # Markdown reads `\\(` as `\(`: how a note's prose writes MathJax's own delimiters.
        prose.append(f"* **Law {i}:** The law ${tex}$ and $${tex}$$ and \\\\({tex}\\\\) hold for body {i}.\n")
    (notes / "cards.md").write_text("\n".join(cards), encoding="utf-8")
    (notes / "prose.md").write_text("\n".join(prose), encoding="utf-8")
    return notes


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every card of the hostile vault as Anki renders it, question and answer."""
    root = tmp_path_factory.mktemp("math")
    result = build([hostile_vault(root)], root / "out", Config(), 1_000)
    col = open_collection(root / "c.anki2")
    for package in result.outputs:
        import_apkg(col, package)
    pages = []
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        pages += [card.question(), card.answer()]
    col.close()
    return pages


def test_no_card_typesets_a_command_outside_the_allowed_set(rendered: list[str]) -> None:
    formulas = [f for page in rendered for f in mathjax_formulas(page)]
    assert formulas  # the allowed ones (next test)
    for formula in formulas:
        assert commands(formula) <= ALLOWED_TEX, formula
        assert "EVIL" not in formula


def test_every_hostile_formula_reached_the_cards_as_text(rendered: list[str]) -> None:
    text = "\n".join(rendered)
    hint = r"[hint <span>\</span>(\bbox[background-image&#58;url(https&#58;//EVIL.example/hint.png)]x"
    assert hint in text  # a cloze's hint, shown by Anki, as text
    for tex in HOSTILE:
        name = re.match(r"\\?\{*\\?([a-zA-Z]+)", tex)
        assert name is not None and name.group(1) in text  # shown, not dropped


def test_allowed_formulas_still_typeset_in_every_place(rendered: list[str]) -> None:
    formulas = [f.strip() for page in rendered for f in mathjax_formulas(page)]
    for tex in ALLOWED:
        # question and answer, `$`, `$$`, cloze text and hint, prose's `$`, `$$` and `\(`
        assert formulas.count(tex) >= 6, tex


WRITTEN = ["${}$", "$${}$$", "\\({}\\)", "\\[{}\\]", "a \\\\({}\\)", "x {{{{{}}}}}"]


@pytest.mark.parametrize("tex", HOSTILE)
@pytest.mark.parametrize("written", WRITTEN)
def test_a_hostile_formula_in_any_field_stays_text(tex: str, written: str) -> None:
    text = written.format(tex)
    face = Face("definition", "D", (), text, (text,), text, f"What is {text}?", text, context=text)
    face = replace(face, source=text)
    cloze = f"{text} {CLOZE_OPEN}1{CLOZE_SEP}{text}{CLOZE_SEP}{text}{CLOZE_CLOSE} {text}"
    for shown in (face, replace(face, kind="cloze", question=cloze)):
        for field in card_fields(Card("g", 0, "k", shown, "n.md", 1)):
            assert all("EVIL" not in f for f in mathjax_formulas(field)), field


def test_the_check_is_an_allow_list() -> None:
    assert not allowed(r"\hrefx{a}") and not allowed(r"\frac{a}{b") and not allowed("a}{")
    assert not allowed(r"\begin{href}x\end{href}") and not allowed("x \\")
    assert allowed(r"\begin {pmatrix} a \\ b \end{pmatrix}") and allowed(r"\ce{H2O}")


def test_escaped_text_is_not_read_as_math_again() -> None:
    hostile = [r"\(\href{j}{x}\)", r"&#92;(\href{j}{x}\)", r"\\(\href{j}{x}\)", "a \\", r"\(\href<b>x</b>\)"]
    for html in hostile:
        once = guard(html)
        assert guard(once) == once  # the guard finds nothing left to do
        assert mathjax_formulas(once) == [] and mathjax_formulas(once + "(\\href{j}{x}\\)") == []


def test_dollars_become_delimiters_only_around_allowed_formulas() -> None:
    assert mathjax(r"$\frac{a}{b}$ and $\bbox[red]{x}$") == r"\(\frac{a}{b}\) and $\bbox[red]{x}$"
    assert "<img" not in math_svg(r"$\href{javascript:x}{y}$")  # the sheets draw the same formulas


def _typeset(fields: list[str]) -> list[str] | None:
    """`fields` typeset by MathJax 3 with Anki's settings, or None without Node.js and mathjax-full."""
    script = Path(__file__).with_name("mathjax_typeset.js")
    if shutil.which("node") is None or not os.environ.get("NODE_PATH"):
        return None
    command = ["node", str(script)]
    done = subprocess.run(command, input=json.dumps(fields), capture_output=True, text=True, timeout=300)
    if "Cannot find module" in done.stderr:
        return None
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_mathjax_itself_writes_no_link_style_or_attribute(rendered: list[str]) -> None:
    typeset = _typeset(rendered)
    if typeset is None:
        pytest.skip("Node.js with mathjax-full (NODE_PATH) is not installed")
    math = [m for page in typeset for m in re.findall(r"<mjx-container.*?</mjx-container>", page, re.S)]
    assert len(math) >= len(ALLOWED) * 6  # the allowed formulas, typeset
    for typeset_math in math:  # MathJax writes glyphs as classes: no text, no link, no style of the note's
        assert "EVIL" not in typeset_math and "href" not in typeset_math and "url(" not in typeset_math
