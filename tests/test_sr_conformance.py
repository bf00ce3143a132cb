"""deckgen reads Spaced Repetition cards as the plugin does: its own parser cases, carried as data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from deckgen.model import CLOZE_CLOSE, CLOZE_OPEN, CLOZE_SEP
from deckgen.notes.cardtext import plain
from deckgen.notes.explicit import read_explicit, resolve_clozes

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "sr_plugin" / "parser_cases.yaml").read_text("utf-8")
)
ALL_MARKS = "=*{"
"""The plugin's test options turn on all three kinds of deletion: ==highlight==, **bold**, {{curly}}."""


def anki_markup(text: str) -> str:
    return re.sub(
        f"{CLOZE_OPEN}(\\d+){CLOZE_SEP}([^{CLOZE_CLOSE}]*){CLOZE_CLOSE}",
        lambda m: "{{c" + m.group(1) + "::" + m.group(2).replace(CLOZE_SEP, "::") + "}}",
        text,
    )


def cards_of(note: str) -> list[list[str]]:
    """What deckgen's reader finds in a note, as the fixture writes cards (default separators:
    no case uses the `+++` end marker, and the plugin's tests have none), Markdown marks off."""
    out = []
    for card in read_explicit(note, {}).cards:
        question = card.question
        if card.kind == "cloze":
            question = anki_markup(resolve_clozes(question, ALL_MARKS))
        out.append([card.kind, plain(question), plain(card.answer)])
    return out


def marks_off(cards: list[list[str]]) -> list[list[str]]:
    """The fixture's cards with Markdown marks taken off as deckgen's are."""
    return [[kind, plain(question), plain(answer)] for kind, question, answer in cards]


def test_every_case_of_the_plugin_is_carried() -> None:
    assert len(CASES) == 70
    assert len({c["from"] for c in CASES}) == 70


@pytest.mark.parametrize("case", CASES, ids=[f"parser.test.ts:{c['from']}" for c in CASES])
def test_deckgen_finds_the_cards_the_plugin_finds(case: dict[str, Any]) -> None:
    """Compared with Markdown marks off on both sides: the plugin hands on a card's raw text
    (backticks, fences), deckgen its Markdown, and the fixture carries the cards as plain text."""
    assert cards_of(case["note"]) == marks_off(case["cards"])
