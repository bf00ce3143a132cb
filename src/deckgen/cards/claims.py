"""One note → its claims: every rule's candidates, ranked, with what each card would show.

The per-note card stage, pure: the same note and settings always give the same `NoteClaims`.
Identities (GUIDs) come later, from the lock (`identity/`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..config import Config
from ..model import BLANK, Candidate, Claim, Face, Note
from ..notes.media import stamps
from ..rank import Ranking, rank
from ..rules import Flashcards, candidates
from .empty import empty_reason
from .faces import make_face

_BLANK_AND_HINT = re.compile(rf"(?:{BLANK}|_____)(?:\s*\([^()]*\))?")
"""A blank and the hint right after it, in whatever language: `_____ (2 palabras)`."""


def claim_text(question: str, answer: str) -> str:
    """The claim as one text: a fill-in question with its blank filled and its hint dropped, so
    that a lock entry (question with `_____`) and a new claim (with `BLANK`) compare alike."""
    filled, n = _BLANK_AND_HINT.subn(lambda _: answer, question, count=1)
    return filled if n else f"{question} {answer}"


Draft = tuple[Claim, Face]
"""A claim and what its card shows, before the card has its identity."""


@dataclass(frozen=True, slots=True)
class NoteClaims:
    """One note's claims as the ranker left them."""

    note: Note
    kept: tuple[Draft, ...]
    spare: tuple[Draft, ...] = ()
    """Ranked out: each becomes a card only when the lock already has it (no churn)."""
    present: tuple[str, ...] = ()
    """The key and text of every candidate, rejected ones too: a lock entry with one of those
    keys, or like one of the texts no card was drafted from, is still in the note, so it is not
    retired (`_still_there`)."""
    empty_reason: str = ""
    """Why the ranker kept no claim ('' when it kept some): carried here so that it survives the
    cache and the worker processes, and the build can name the notes that gave nothing."""
    media: tuple[tuple[str, int, int], ...] = ()
    """Each image file the note embeds as it was read (path, size, modification time): when one
    is replaced under the same name, the note is read again (`notes.media.unchanged`)."""


def note_claims(note: Note, config: Config) -> NoteClaims:
    """A note's candidates, ranked, with what each card would show (identities not yet given)."""
    found = candidates(note, flashcards=flashcards(config))
    ranking = rank(note, found, config.cards, config.cap, _generate(note, config))

    def drafts(chosen: Iterable[Candidate]) -> tuple[Draft, ...]:
        return tuple((c.claim, make_face(note, c.claim, config)) for c in chosen)

    keys = {c.claim.key for c in found}
    keys |= {f"term:{k[4:]}" for k in keys if k.startswith("def:")}  # a term is asked one way or the
    keys |= {f"def:{k[5:]}" for k in keys if k.startswith("term:")}  # other: both are still there
    texts = tuple(claim_text(c.claim.question, c.claim.answer or c.claim.context) for c in found)
    present = (*sorted(keys), *texts)
    reason = empty_reason(
        note, ranking, config.flashcard_tags
    )  # before the blocks go: the reason looks at them
    # The blocks and hand-written cards are large and nothing after this needs them: the cache
    # and the worker processes' pipes carry the claims.
    slim = replace(note, blocks=(), explicit=None)
    return NoteClaims(slim, drafts(ranking.kept), drafts(ranking.spare), present, reason, stamps(note))


def explain(note: Note, config: Config) -> Ranking:
    """Every candidate of one note and what became of it (for `preview --why`)."""
    found = candidates(note, flashcards=flashcards(config))
    return rank(note, found, config.cards, config.cap, _generate(note, config))


def flashcards(config: Config) -> Flashcards:
    """What makes Spaced Repetition cards under `config`."""
    marks = "=" * config.cloze_highlight + "*" * config.cloze_bold + "{" * config.cloze_curly
    return Flashcards(config.flashcard_tags, marks)


def _generate(note: Note, config: Config) -> bool:
    """Whether a note with hand-written cards also gets generated ones: its front matter says,
    else `deckgen.yaml`."""
    said = note.explicit.generate if note.explicit is not None else None
    return config.generate if said is None else said


def note_drafts(notes: Iterable[Note], config: Config) -> list[NoteClaims]:
    """Every note's ranked claims, in reading order."""
    return [note_claims(note, config) for note in notes]
