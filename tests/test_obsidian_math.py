"""`$…$` paired as Obsidian pairs it: `2${^4}$` is a formula, `$5 and $10` is money, and a `$` never
pairs with one on the next line. The fixture is `tests/fixtures/obsidian_embeds/vault/IEEE754.md`
(from a Spaced Repetition vault's note)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckgen.notes import read_note
from deckgen.notes.inline import INLINE_MATH

VAULT = Path(__file__).parent / "fixtures" / "obsidian_embeds" / "vault"


def blocks_of(name: str) -> list[str]:
    return [b.text for b in read_note(VAULT / name, name).blocks]


def test_math_after_a_digit_is_a_formula_and_keeps_its_underscores() -> None:
    text = blocks_of("IEEE754.md")
    # mdit-py-plugins refused a `$` after a digit, so `_{10}$ … 1$_` became emphasis and lost
    # its underscores: `17.5${10}$ is 10001.1${2}$`.
    assert text[0] == (
        "In base 2, 17.5$_{10}$ is 10001.1$_{2}$, which is 1.00011x2${^4}$ and the biased "
        "exponent is 10000000${_{2}}$ plus 3."
    )
    assert text[1] == "Therefore 4${_{10}}$+127${_{10}}$ = 10000011${_{2}}$ in the exponent field."


def test_dollars_pair_only_within_a_line() -> None:
    last = read_note(VAULT / "IEEE754.md", "IEEE754.md").blocks[3]
    # Paired across the line break, the `$…$` swallowed the emphasis on the next line.
    assert last.emphasis == ("one on the next",)
    assert last.text == "A dollar $a at the end of a line and one on the next line$ never pair."


@pytest.mark.parametrize(
    ("line", "formulas"),
    [
        ("1.00011x2${^4}$ and 10000000${_{2}}$ on one line", ["{^4}", "{_{2}}"]),
        ("Therefore 4${_{10}}$+127${_{10}}$ = 10000011${_{2}}$", ["{_{10}}", "{_{10}}", "{_{2}}"]),
        ("A price of $5 and $10 stays text", []),
        ("$20,000 and $30,000", []),
        ("$x$ and $ y$ and $z $ and $n$-th", ["x", "n"]),
        ("costs 2$ now or $3 later", []),
        ("a $x\ny$ b", []),
        (r"escaped \$x$ and $a\$b$", [r"a\$b"]),
    ],
)
def test_inline_math_pairs_as_obsidian(line: str, formulas: list[str]) -> None:
    assert INLINE_MATH.findall(line) == formulas


def test_a_card_shows_math_after_a_digit_as_two_formulas_and_the_prose_between_as_text() -> None:
    """The reader's pairing is the cards' too: `4${_{10}}$+127${_{10}}$` on a card is two
    formulas with `+127` between them as text (the card renderer paired `$…$` its own way and
    turned `$+127$` into a formula)."""
    from deckgen.cards.render import mathjax

    html = mathjax("Bias: 4${_{10}}$+127${_{10}}$ = 131")
    assert html.count("\\(") == 2 and "\\({_{10}}\\)+127\\({_{10}}\\)" in html
    assert mathjax("It costs $5 and $10.") == "It costs $5 and $10."  # money stays text
