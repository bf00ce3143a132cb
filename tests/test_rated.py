"""The 74 judged cards of `../shared/cards/rated.jsonl` as a regression set: none of the cards
judged not acceptable is made again as it was, and most of the acceptable ones survive."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from conftest import CORPUS, SEEDS
from deckgen.build.discover import find_notes
from deckgen.build.readall import make_cards, read_notes
from deckgen.config import Config
from deckgen.model import BLANK, Card

RATED = CORPUS.parent / "cards" / "rated.jsonl"


def rated() -> list[dict[str, Any]]:
    if not RATED.is_file():
        pytest.skip(f"{RATED} is absent")
    return [json.loads(line) for line in RATED.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(BLANK, "_____")).strip()


def cards_by_note() -> dict[str, list[Card]]:
    """The cards deckgen makes now of every note the rated cards came from, by file name."""
    roots = [SEEDS, CORPUS / "logseq-docs", CORPUS / "carpentries"]
    files = {f.path.name: f for root in roots if root.is_dir() for f in find_notes([root])}
    wanted = {row["source"].rsplit(":", 1)[0] for row in rated()}
    out = {}
    for name in sorted(wanted & set(files)):
        notes, _ = read_notes([files[name]])
        out[name] = make_cards(notes, Config())[0]
    return out


def made(card: dict[str, Any], cards: list[Card]) -> bool:
    """Whether a judged card is made again exactly as it was (same question and answer)."""
    return any(
        _norm(c.face.question) == _norm(card["question"]) and c.face.answer == card["answer"] for c in cards
    )


def kept(card: dict[str, Any], cards: list[Card]) -> bool:
    """Whether an acceptable card's fact is still asked (as it was, or in another form)."""
    answer = card["answer"].split(";")[0].strip().lower()
    return any(answer in f"{c.face.answer} {c.face.context}".lower() for c in cards)


def test_no_card_judged_not_acceptable_is_made_again() -> None:
    by_note = cards_by_note()
    bad = [r for r in rated() if r["verdict"] != "acceptable" and r["source"].rsplit(":", 1)[0] in by_note]
    assert len(bad) >= 40  # the reference note's alone are 36
    again = [r["question"] for r in bad if made(r, by_note[r["source"].rsplit(":", 1)[0]])]
    assert again == []


def test_most_acceptable_cards_survive() -> None:
    by_note = cards_by_note()
    good = [r for r in rated() if r["verdict"] == "acceptable" and r["source"].rsplit(":", 1)[0] in by_note]
    survived = [r for r in good if kept(r, by_note[r["source"].rsplit(":", 1)[0]])]
    print(f"{len(survived)} of {len(good)} acceptable cards survive")
    assert len(survived) * 2 > len(good)
