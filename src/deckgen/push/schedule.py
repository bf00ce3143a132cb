"""The learner's schedule from the Spaced Repetition plugin, given to the cards push adds.

A hand-written card the plugin has reviewed carries its schedule (`Card.schedule`). When push
adds its note to a collection that never had it, each of the note's new cards starts as a
review card with that schedule, as Anki stores one: due as a day of the collection, the
interval in days, the ease in permille. A card Anki already has keeps its own schedule, always:
only the cards of this push's adds are given one, and a backend gives one only to a card that
is still new.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from ..model import CLOZE_OPEN, CLOZE_SEP, Card, Review
from .plan import Held


def carried(adds: Sequence[Card], after: Mapping[str, Held]) -> dict[int, Review]:
    """Card ID → the schedule to start it with, for the cards of the notes push just added (a
    note's cards in Anki's order, a cloze's first deletion first, as `Card.schedule` is)."""
    out: dict[int, Review] = {}
    for card in adds:
        note = after.get(card.guid)
        if note is None or not card.schedule:
            continue
        for held, review in zip(note.cards, card.schedule, strict=False):
            if review is not None:
                out[held.cid] = review
    return out


def _cards_of(card: Card) -> int:
    """How many cards Anki makes of the note: one per deletion number of a cloze, else one."""
    if card.kind != "cloze":
        return 1
    return max(map(int, re.findall(f"{CLOZE_OPEN}(\\d+){CLOZE_SEP}", card.face.question)), default=1)


def planned(adds: Sequence[Card]) -> int:
    """How many of the added notes' cards come with a schedule (an entry past a note's last
    card, as the plugin would drop it, is not counted)."""
    return sum(review is not None for card in adds for review in card.schedule[: _cards_of(card)])


def due_day(review: Review, today: int, today_date: date) -> int:
    """The review's due date as Anki's day number, given today's number and date (a day before
    the collection began is its first day: the card is as overdue as Anki can show)."""
    return max(0, today + (date.fromisoformat(review.due) - today_date).days)
