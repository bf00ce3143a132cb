"""Choose a note's cards from its candidates: hard rejects, one card per sentence and per answer,
a budget.

Every candidate has a score: the sum of its named features (`Candidate.features`), whose weights
and reasons are in `rules/weights.py`:

| feature | weight |
|---|---|
| definition / term of a term | 3.0 |
| definitional sentence ("X is a …") | 2.6 |
| quoted, emphasis or acronym blank | 2.6 |
| two real terms ("name both") | 2.4 |
| number blank | 2.2 |
| name blank | 1.6 |
| one missing item of a longer list | 1.5 |
| closing phrase / long word blank | 1.2 / 0.8 |
| a rare word in a fallback answer | +0.3 |
| needs the sentence before it | −0.3 |
| long sentence or meaning | −0.5 |
| short definition | −1.0 |
| one everyday word as a bullet's term | −1.2 |

Cards the note's author wrote (`rules/explicit.py`) are always kept, outside the cap and the
budget; when a note has some, its generated candidates are dropped unless `generate` is on.
Sentences forced in with `%% deckgen: card %%` are kept too, outside the cap.

A candidate scoring at least `STRONG` (2.0) is strong: so list items (1.5), names and fallback
blanks are weak. In `focused` mode a note keeps its strong candidates up to the cap, and weak ones
only up to one per `WORDS_PER_WEAK` words of the note (at least one), within the same cap; of two
cards with the same answer only the better is kept. `all` keeps every candidate that is not
rejected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .model import Candidate, Note
from .rules.explicit import is_explicit
from .rules.sentence import FORCED
from .rules.weights import CAP, STRONG, WORDS_PER_WEAK
from .text import words

__all__ = ["CAP", "Mode", "Ranking", "rank"]

Mode = Literal["focused", "all"]


@dataclass(frozen=True, slots=True)
class Ranking:
    """What a note's candidates became: the cards it keeps and why the others went."""

    kept: tuple[Candidate, ...]
    """In reading order."""
    dropped: tuple[tuple[Candidate, str], ...]
    """Every other candidate, with the reason; `rejected: …` ones never become cards."""

    @property
    def spare(self) -> tuple[Candidate, ...]:
        """Candidates that were good enough but ranked out: a card already in the lock keeps them."""
        return tuple(c for c, _ in self.dropped if not c.reject)


def note_words(note: Note) -> int:
    """How many words the note's text has (its budget grows with it)."""
    return sum(len(words(b.text)) + len(words(b.term)) for b in note.blocks)


AUTHORED = "the note's author wrote its cards"
"""Why a generated candidate is dropped from a note with hand-written cards."""


def rank(
    note: Note, found: Sequence[Candidate], mode: Mode = "focused", cap: int = CAP, generate: bool = False
) -> Ranking:
    """Keep the note's best candidates; the same notes and settings always keep the same ones.
    Hand-written cards are all kept, before the generated ones."""
    written = tuple(c for c in found if is_explicit(c))
    if not written:
        return _rank(note, found, mode, cap)
    others = [c for c in found if not is_explicit(c)]
    if not generate:
        dropped = tuple((c, f"rejected: {c.reject}" if c.reject else AUTHORED) for c in others)
        return Ranking(written, dropped)
    ranked = _rank(note, others, mode, cap)
    return Ranking(written + ranked.kept, ranked.dropped)


def _rank(note: Note, found: Sequence[Candidate], mode: Mode, cap: int) -> Ranking:
    dropped: list[tuple[Candidate, str]] = []
    best: dict[str, int] = {}
    questions: dict[str, int] = {}
    order = {id(c): i for i, c in enumerate(found)}
    for c in found:
        if c.reject:
            dropped.append((c, f"rejected: {c.reject}"))
            continue
        if (prev := best.get(c.unit)) is not None and found[prev].score >= c.score:
            dropped.append((c, "another card from the same sentence ranks higher"))
            continue
        if prev is not None:
            dropped.append((found[prev], "another card from the same sentence ranks higher"))
        best[c.unit] = order[id(c)]
    alive = sorted(best.values())
    unique: list[int] = []
    for i in alive:
        c = found[i]
        if (twin := questions.get(c.claim.question)) is not None:
            dropped.append((c, f"same question as the card of line {found[twin].claim.source.line}"))
            continue
        questions[c.claim.question] = i
        unique.append(i)
    if mode == "all":
        return Ranking(tuple(found[i] for i in unique), tuple(dropped))
    forced = [i for i in unique if any(name == FORCED for name, _ in found[i].features)]
    unique = [i for i in unique if i not in forced]
    by_score = sorted(unique, key=lambda i: (-found[i].score, i))
    weak_budget = max(1, note_words(note) // WORDS_PER_WEAK)  # a short note may still give one
    kept: list[int] = []
    answers: dict[str, int] = {}  # a kept card's answer → the card
    slots = 0  # cards counted against the cap
    for i in by_score:
        c = found[i]
        strong = c.score >= STRONG
        answer = " ".join(c.claim.answer.casefold().split())
        if slots >= cap:
            dropped.append((c, f"ranked out: the note keeps its {cap} best cards"))
        elif not strong and weak_budget <= 0:
            dropped.append((c, "ranked out: a weak card, and the note's budget for them is spent"))
        elif answer and (twin := answers.get(answer)) is not None:
            # Two cards with one answer interfere. A weak one's slot stays used: no weaker card
            # fills it (a strong one's is left to the next strong card).
            slots += not strong
            weak_budget -= not strong
            line = found[twin].claim.source.line
            dropped.append((c, f"ranked out: the card of line {line} has the same answer"))
        else:
            slots += 1
            weak_budget -= not strong
            kept.append(i)
            answers.setdefault(answer, i)
    return Ranking(tuple(found[i] for i in sorted(kept + forced)), tuple(dropped))
