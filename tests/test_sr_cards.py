"""Cards read as Obsidian shows the note (issue 21): hand-written Spaced Repetition cards with
code in their answers, standing right under each other, in lists; `Term: meaning` lines one under
the other. The plugin's own cases are in `test_sr_conformance.py`."""

from __future__ import annotations

import re
from pathlib import Path

from deckgen.cards.claims import explain
from deckgen.config import Config
from deckgen.model import CLOZE_CLOSE, CLOZE_OPEN, CLOZE_SEP
from deckgen.notes import read_note
from deckgen.rules.explicit import is_explicit

FIXTURES = Path(__file__).parent / "fixtures" / "sr_cards"
_DELETION = re.compile(f"{CLOZE_OPEN}(\\d+){CLOZE_SEP}([^{CLOZE_CLOSE}]*){CLOZE_CLOSE}")


def cards(name: str) -> list[tuple[str, str]]:
    """(question, answer) of each hand-written card of a fixture note, deletions in Anki's markup."""
    out = []
    for c in explain(read_note(FIXTURES / name), Config()).kept:
        if is_explicit(c):
            out.append((_DELETION.sub(r"{{c\1::\2}}", c.claim.question), c.claim.answer))
    return out


def test_a_code_block_in_an_answer_keeps_every_line_as_written() -> None:
    code = (
        "def show(**kwargs):\n\n    for key, value in kwargs.items():\n"
        '        print(f"{key} = {value}")  # [[not a link]] ==not a cloze=='
    )
    assert cards("code.md") == [
        ("How do you unpack keyword arguments in Python?", f"```python\n{code}\n```"),
        (
            "Which command lists the files of a folder?",
            "Type this:\n~~~shell\nls -la\n~~~\nIt shows hidden files too.",
        ),
        (
            "A `x ==y== z` snippet holds no deletion, but a highlighted {{c1::`git status`}} does, "
            "like {{c2::this}}.",
            "",
        ),
    ]


def test_cards_written_right_under_each_other_stay_apart() -> None:
    even, odd = "What is the value of an even parity bit", "What is the value of an odd parity bit"
    assert cards("stacked.md") == [
        (f"{even} if the number of 1's is even?", "0"),
        (f"{even} if the number of 1's is odd?", "1"),
        (f"{odd} if the number of 1's is even?", "1"),
        ("1", f"{odd} if the number of 1's is even?"),
        (f"{odd} if the number of 1's is odd?", "0\nand never 1"),
        ("Even parity", "the number of 1 bits, parity bit included, is even"),
        ("Odd parity", "the number of 1 bits, parity bit included, is odd"),
    ]


def test_term_lines_one_under_the_other_are_terms_of_their_own() -> None:
    note = read_note(FIXTURES / "glossary.md")
    lines = {b.line: (b.term, b.text) for b in note.blocks}
    assert lines[6][1].startswith("NETLOGON: Windows Server service") and "SYSVOL" not in lines[6][1]
    assert lines[7][1].startswith("SYSVOL: Set of files")
    assert (lines[9][0], lines[10][0]) == ("Mitosis", "Meiosis")
    assert "Meiosis" not in lines[9][1]
    assert lines[12][1].endswith("stays one paragraph.")  # a wrapped sentence is no glossary
    asked = [c.claim for c in explain(note, Config()).kept]
    netlogon = [c for c in asked if "NETLOGON" in c.question + c.answer]
    assert netlogon and all("SYSVOL" not in c.question + c.answer for c in netlogon)
    assert any("SYSVOL" in c.question + c.answer for c in asked)


def test_a_card_written_in_a_list_asks_without_the_list_marker() -> None:
    assert cards("lists.md") == [
        ("Searching Algorithm 1", "Sequential"),
        ("Searching Algorithm 2", "Binary"),
        ("Is 0 True or False?", "False"),
        ("is 1 True or False?", "True"),
        ("True", "is 1 True or False?"),
        ("What does a bit hold?", "0 or 1"),
        ("How many bits are in a byte?", "- eight\n- (an octet)"),  # an answer's list stays one
        ("The {{c1::mitochondrion}} makes ATP.", ""),
    ]
