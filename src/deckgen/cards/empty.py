"""Why a note gave no card: one short reason, for the build summary and `preview --why`.

A folder of notes in a style deckgen does not read (no timestamps, no `**Term:**` items) once
built to 0 cards without a word; the reason says what the note lacks, or what its candidates
were rejected for most often.
"""

from __future__ import annotations

from collections import Counter

from ..model import Note
from ..rank import Ranking
from ..rules.explicit import covered


def empty_reason(note: Note, ranking: Ranking, flashcard_tags: tuple[str, ...] = ()) -> str:
    """Why `note` keeps no card under `ranking`; '' when it keeps some. A note written for
    Spaced Repetition (`flashcard_tags`) is told about its flashcards, not about timestamps."""
    if ranking.kept:
        return ""
    if not ranking.dropped:
        return _flashcard_reason(note, flashcard_tags) or _nothing_to_ask(note)
    rejected = [c.reject for c, _ in ranking.dropped if c.reject]
    if len(rejected) == len(ranking.dropped):
        # ties go to the reason met first in the note: the same note always gives the same text
        if len(rejected) == 1:
            return f"its one candidate was rejected: {rejected[0]}"
        common = Counter(rejected).most_common(1)[0][0]
        return f"all {len(rejected)} candidates were rejected (most often: {common})"
    common = Counter(why for _, why in ranking.dropped).most_common(1)[0][0]
    return f"no candidate was kept (most often: {common})"


def _flashcard_reason(note: Note, tags: tuple[str, ...]) -> str:
    """Why a flashcard note, or a note holding Spaced Repetition cards, gave none; '' for others."""
    written = [c for c in note.explicit.cards if c.syntax == "sr"] if note.explicit is not None else []
    lines = note.explicit.tag_lines if note.explicit is not None else ()
    mine = [t for t in (*(f"#{t.lstrip('#')}" for t in note.tags), *(t for _, ts in lines for t in ts))
            if covered(t, tags)]  # fmt: skip
    if mine:
        return (
            f"a flashcard note ({mine[0]}) with no card written in it: write `question::answer`, a "
            "question line, `?` and the answer below it, or a ==cloze=="
        )
    if written and tags:
        return (
            f"{len(written)} Spaced Repetition card{'s' * (len(written) != 1)} but no flashcard tag "
            f"({', '.join(tags)}) — tag the note to make them cards"
        )
    return ""


def _nothing_to_ask(note: Note) -> str:
    """What a note without a single candidate lacks: the things deckgen's rules ask about."""
    if not note.blocks:
        return "empty (no paragraphs or list items)"
    if all(b.kind == "chapter" for b in note.blocks):
        return "only the video's chapter titles: nothing to ask (a title alone is no card)"
    missing = []
    if not any(b.stamps for b in note.blocks):
        missing.append("no timestamps")
    if not any(b.term for b in note.blocks):
        missing.append("no **Term:** definitions")
    if not any(b.emphasis for b in note.blocks):
        missing.append("no marked phrases")
    missing.append("no definitional sentences")
    return ", ".join(missing)
