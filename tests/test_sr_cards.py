"""Hand-written Spaced Repetition cards read as Obsidian shows them (issue 21): code in answers,
cards standing right under each other, cards in lists. The plugin's own cases are in
`test_sr_conformance.py`."""

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
        ("How do you unpack keyword arguments in Python?", code),
        ("Which command lists the files of a folder?", "Type this:\nls -la\nIt shows hidden files too."),
        (
            "A x ==y== z snippet holds no deletion, but a highlighted {{c1::git status}} does, "
            "like {{c2::this}}.",
            "",
        ),
    ]
