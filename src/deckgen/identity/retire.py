"""Retired cards: claims that left the notes stay in the packages, marked, until pruned."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..model import Card, Face
from .lockfile import read_lock
from .lockformat import guard
from .lockwrite import write_lock
from .match import Entry

RETIRED_TAG = "deckgen::retired"
RETIRED_NOTE = (
    "This claim is no longer in your notes. Find such cards with tag:deckgen::retired and delete "
    "them, then run deckgen prune."
)


def retired_card(path: str, e: Entry) -> Card:
    """A card whose claim left the notes: kept, marked, and tagged so the learner can delete it."""
    face = Face(
        kind=e.kind, deck=e.deck, tags=(RETIRED_TAG,), title="", section=(), lead="",  # type: ignore[arg-type]
        question=e.question, answer=e.answer, context=RETIRED_NOTE,
    )  # fmt: skip
    return Card(e.guid, e.mtime, e.key, face, path, 0, status="retired")


def prune(lock: Path, *, ranked_out: bool = False, now: int = 0) -> int:
    """Forget retired claims (the learner has deleted their cards); returns how many. With
    `ranked_out`, instead retire the cards kept only because the learner had them: the next
    build packages them as retired, for the learner to delete."""
    with guard(lock, 30.0):  # a build writing the lock meanwhile would be undone
        return _prune(lock, ranked_out, now)


def _prune(lock: Path, ranked_out: bool, now: int) -> int:
    entries = read_lock(lock)
    if not ranked_out:
        gone = sum(len(n.retired) for n in entries)
        write_lock(lock, [replace(n, retired=()) for n in entries if n.claims])
        return gone
    out, moved = [], 0
    for n in entries:
        keep = tuple(e for e in n.claims if not e.ranked_out)
        retire = tuple(
            replace(e, ranked_out=False, mtime=max(now, e.mtime + 1)) for e in n.claims if e.ranked_out
        )
        moved += len(retire)
        out.append(replace(n, claims=keep, retired=n.retired + retire))
    write_lock(lock, out)
    return moved
