"""The review history the Obsidian Spaced Repetition plugin writes beside a card.

After each review the plugin writes the card's schedule into an HTML comment: at the end of the
card's last line, on the line after it, or in a `> [!sr|card-metadata]` callout below it.
`<!--SR:!2024-08-15,237,290-->` says: next due on 15 August 2024, interval 237 days, ease 2.90
(the plugin writes the ease in hundredths; Anki keeps it in thousandths). A line that makes
several cards (a reversed card, a cloze with several deletions) has one `!date,interval,ease`
entry per card, in the plugin's order of its cards; the date 2000-01-01 marks one not reviewed
yet, and a card past the last entry is not reviewed either. Entries of the plugin's FSRS format
(`!fsrs,…`) are not read: those cards start as new.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from ..model import Review, Schedule

_COMMENT = re.compile(r"<!--SR:(.*?)-->")
_CALLOUT = "> [!sr|card-metadata]"
_NUMBER = re.compile(r"\s*(\d+)")
_DATES = ("%Y-%m-%d", "%d-%m-%Y", "%a %b %d %Y")
"""The date forms the plugin reads (it writes the first)."""
NOT_REVIEWED = date(2000, 1, 1)
"""The plugin's date for a card of a multi-card line that was never reviewed."""
MIN_FACTOR = 1300
"""The lowest ease either scheduler allows (1.3)."""


def _day(text: str) -> date | None:
    for form in _DATES:
        try:
            return datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    return None


def _number(text: str) -> int | None:
    """The whole number a field starts with (`237`, `4.5` → 4), as the plugin reads it."""
    m = _NUMBER.match(text)
    return int(m.group(1)) if m else None


def entry(text: str) -> Review | None:
    """One `date,interval,ease` entry; None for a card not reviewed, or an entry not understood."""
    parts = text.split(",")
    if len(parts) < 3 or parts[0].strip() == "fsrs":
        return None
    day, interval, ease = _day(parts[0]), _number(parts[1]), _number(parts[2])
    if day is None or day == NOT_REVIEWED or interval is None or ease is None:
        return None
    return Review(day.isoformat(), max(interval, 1), max(ease * 10, MIN_FACTOR))


def parse_comment(body: str) -> Schedule:
    """The entries of one comment's body (what stands between `<!--SR:` and `-->`)."""
    schedule = tuple(entry(part) for part in body.split("!") if part.strip())
    return schedule if any(schedule) else ()


def schedule_of(lines: Sequence[str], first: int, last: int) -> Schedule:
    """The schedule written with the card on `lines[first:last + 1]`: in those lines, on the
    line right after them, or in the metadata callout that follows them."""
    for i in range(first, min(last + 1, len(lines))):
        if "<!--SR:" in lines[i] and (m := _COMMENT.search(lines[i])):
            return parse_comment(m.group(1))
    after = last + 1
    if after < len(lines) and lines[after].startswith("<!--SR:"):
        m = _COMMENT.search(lines[after])
        return parse_comment(m.group(1)) if m else ()
    if after < len(lines) and lines[after].startswith(_CALLOUT):
        for line in lines[after:]:
            if not line.startswith(">"):
                break  # the callout ended without a comment
            if m := _COMMENT.search(line):
                return parse_comment(m.group(1))
    return ()
