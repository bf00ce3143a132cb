"""The cards a note's author wrote (`notes/explicit.py`) → candidates kept exactly as written.

Spaced Repetition cards count only in flashcard notes: under a line holding one of the
`flashcard_tags` (a tag also covers its sub-tags, `#flashcards/biology`), or in a note whose
front matter or body carries one. That tag names the card's deck, as the plugin does. Anki's
and Logseq's syntaxes are cards wherever they stand.
"""

from __future__ import annotations

from ..model import CLOZE_OPEN, Block, Candidate, Claim, ClaimKind, ExplicitCard, Note, SourceRef, Timestamp
from ..notes.cardtext import plain
from ..notes.explicit import has_clozes, resolve_clozes
from ..text import slug
from .context import Flashcards
from .weights import WRITTEN

EXPLICIT = "explicit"
"""The feature that marks a candidate its author wrote: `rank.py` keeps it outside the budget."""


def covered(tag: str, tags: tuple[str, ...]) -> bool:
    """Whether `tag` is one of `tags` or a sub-tag of one (`#flashcards/math` of `#flashcards`)."""
    t = tag.casefold()
    return any(t == f.casefold() or t.startswith(f"{f.casefold()}/") for f in tags)


def deck_tag(note: Note, card: ExplicitCard, tags: tuple[str, ...]) -> str:
    """The flashcard tag in force at the card ('' when none is: not a flashcard)."""
    assert note.explicit is not None
    mine = [t for t in card.tags if covered(t, tags)]
    if mine:
        return mine[0]
    above = [t for line, ts in note.explicit.tag_lines if line < card.line for t in ts if covered(t, tags)]
    if above:
        return above[-1]
    front = [f"#{t.lstrip('#')}" for t in note.tags if covered(f"#{t.lstrip('#')}", tags)]
    anywhere = [t for _, ts in note.explicit.tag_lines for t in ts if covered(t, tags)]
    return (front or anywhere or [""])[0]


def is_explicit(c: Candidate) -> bool:
    """Whether the candidate is a card its author wrote."""
    return any(name == EXPLICIT for name, _ in c.features)


def _place(note: Note, card: ExplicitCard) -> tuple[tuple[str, ...], tuple[Timestamp, ...]]:
    """The section the card stands in, and the moments written inside it."""
    before = [b for b in note.blocks if b.line <= card.line]
    section = before[-1].headings if before else ()
    inside: list[Block] = [b for b in note.blocks if card.line <= b.line <= card.end]
    return section, tuple(dict.fromkeys(t for b in inside for _, t in b.stamps))


def _candidate(
    note: Note, card: ExplicitCard, kind: ClaimKind, question: str, answer: str, key: str, deck: str, n: int
) -> Candidate:
    section, stamps = _place(note, card)
    # the plugin's entries: a cloze's, one per deletion; a reversed card's, forward then back
    schedule = card.schedule if kind == "cloze" else card.schedule[n : n + 1]
    schedule = schedule if any(schedule) else ()
    claim = Claim(
        kind=kind, key=key, question=question, answer=answer, context="", lead="", section=section,
        timestamps=stamps, links=(), source=SourceRef(note.path, card.line), deck=deck, schedule=schedule,
    )  # fmt: skip
    return Candidate(claim, EXPLICIT, card.kind, ((EXPLICIT, WRITTEN),), "", f"card:{card.line}:{n}")


def explicit_candidates(note: Note, settings: Flashcards) -> list[Candidate]:
    """The note's hand-written cards, as candidates, in the note's order."""
    if note.explicit is None:
        return []
    out: list[Candidate] = []
    for card in note.explicit.cards:
        deck = ""
        if card.syntax == "sr":
            deck = deck_tag(note, card, settings.tags)
            if not deck:
                continue
        if card.kind == "cloze":
            text = resolve_clozes(card.question, settings.marks)
            if has_clozes(text):
                key = f"cloze:{card_key(text.replace(CLOZE_OPEN, ' '))}"
                out.append(_candidate(note, card, "cloze", text, card.answer, key, deck, 0))
            continue
        q, a = card.question, card.answer
        out.append(_candidate(note, card, "basic", q, a, f"card:{card_key(q)}", deck, 0))
        if card.kind == "reversed":
            out.append(_candidate(note, card, "basic", a, q, f"card:{card_key(a)}", deck, 1))
    return out


def card_key(text: str) -> str:
    """A hand-written card's key from its text: its words without Markdown marks, so that a
    card's identity is the same whether its marks are kept (`notes/cardtext.written`) or not."""
    return slug(plain(text))[:80]


def covered_lines(note: Note, written: list[Candidate]) -> list[tuple[int, int]]:
    """The line spans of the hand-written cards kept (generated cards skip their blocks)."""
    if note.explicit is None or not written:
        return []
    lines = {c.claim.source.line for c in written}
    return [(card.line, card.end) for card in note.explicit.cards if card.line in lines]
