"""Retired cards: claims that left the notes stay in the packages, marked, until pruned."""

from __future__ import annotations

from dataclasses import replace
from html import escape
from pathlib import Path

from .identity import Entry, NoteEntry
from .lockfile import read_lock, write_lock
from .model import Card, Claim, SourceRef

RETIRED_TAG = "deckgen::retired"
RETIRED_NOTE = (
    "This claim is no longer in your notes. Find such cards with tag:deckgen::retired and delete "
    "them, then run deckgen prune."
)


def retired_card(path: str, e: Entry) -> Card:
    """A card whose claim left the notes: kept, marked, and tagged so the learner can delete it."""
    claim = Claim(e.kind, e.key, e.question, e.answer, "", "", (), (), (), SourceRef(path, 0))  # type: ignore[arg-type]
    return Card(
        guid=e.guid, deck=e.deck, tags=(RETIRED_TAG,), topic="", question=escape(e.question),
        answer=escape(e.answer), context=RETIRED_NOTE, timestamps=(), source=escape(path),
        claim=claim, note_path=path, status="retired", mtime=e.mtime,
    )  # fmt: skip


def retired_cards(entries: list[NoteEntry]) -> list[Card]:
    """Every retired claim the lock keeps, as a card."""
    return [retired_card(n.path, e) for n in entries for e in n.retired]


def prune(lock: Path) -> int:
    """Forget retired claims (the learner has deleted their cards); returns how many."""
    entries = read_lock(lock)
    gone = sum(len(n.retired) for n in entries)
    write_lock(lock, [replace(n, retired=()) for n in entries if n.claims])
    return gone
