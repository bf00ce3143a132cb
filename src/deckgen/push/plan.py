"""The push plan: the build's cards against what the collection holds, by GUID. Pure: no Anki,
no files; `collection.py` and `ankiconnect.py` read the collection and apply the plan."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..identity.retire import RETIRED_TAG
from ..model import Card

Fields = Callable[[Card], Sequence[str]]
"""A card → its note's field values, as written into Anki."""


def fields_hash(values: Iterable[str]) -> str:
    """A short hash of a note's field values, in order."""
    return hashlib.sha256("\x1f".join(values).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class HeldCard:
    """One card of a note, as the collection holds it."""

    cid: int
    deck: str
    """The deck's full name; '' when the backend only knows it is none of the decks asked about."""
    suspended: bool


@dataclass(frozen=True, slots=True)
class Held:
    """A note the collection holds, found by its GUID."""

    nid: int
    fields: tuple[str, ...]
    mod: int
    """The note's modification time (seconds); 0 when the backend cannot tell."""
    cards: tuple[HeldCard, ...]
    tags: tuple[str, ...] = ()

    @property
    def deck(self) -> str:
        """The deck of the note's first card (deckgen puts a note's cards in one deck)."""
        return self.cards[0].deck if self.cards else ""

    @property
    def suspended(self) -> bool:
        """Every card of the note is suspended."""
        return bool(self.cards) and all(c.suspended for c in self.cards)


@dataclass(frozen=True, slots=True)
class Record:
    """What push last did to one note of one collection (kept in `deckgen.push.json`)."""

    nid: int
    deck: str
    """The deck push last put the note's cards in."""
    fields: str
    """Hash of the fields as the collection held them right after push wrote them."""
    built: str = ""
    """Hash of the fields as deckgen built them then (Anki may store them normalised)."""
    retired: bool = False
    """Push suspended the cards because their claim was retired."""
    tags: tuple[str, ...] = ()
    """The tags deckgen gave the note (any others are the learner's or Anki's, such as `leech`)."""
    restore: tuple[str, ...] = ()
    """Anki's tags (`leech`, `marked`) the importer took off and push has yet to put back."""


@dataclass(frozen=True, slots=True)
class Move:
    """Cards to move to another deck."""

    card: Card
    cids: tuple[int, ...]
    old_deck: str


@dataclass(frozen=True, slots=True)
class PushPlan:
    """What a push does, and what it leaves alone and reports."""

    adds: tuple[Card, ...] = ()
    updates: tuple[Card, ...] = ()
    conflicts: tuple[Card, ...] = ()
    """Edited in Anki since push wrote them: kept as the learner has them."""
    moves: tuple[Move, ...] = ()
    filed: tuple[Card, ...] = ()
    """The deck changed, but the learner had filed the cards elsewhere: left where they are."""
    deleted: tuple[Card, ...] = ()
    """Deleted in Anki: never brought back."""
    kept_suspended: tuple[Card, ...] = ()
    """Suspended by the learner: never unsuspended."""
    suspend: tuple[Card, ...] = ()
    """Retired: suspended and tagged."""
    unsuspend: tuple[Card, ...] = ()
    """A retired claim that came back."""
    delete: tuple[Card, ...] = ()
    """Retired, and `--delete-retired` was given."""
    unchanged: int = 0
    stamps: Mapping[str, int] = field(default_factory=dict)
    """GUID → the modification time the update must carry so that Anki's importer takes it."""
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """GUID → the tags the update must carry: Anki's importer replaces a note's tags, so the
    learner's own (and Anki's, such as `leech`) go along with deckgen's."""

    def changes(self) -> int:
        """How many notes the push writes to (0: the collection is left exactly as it is)."""
        return sum(len(x) for x in (self.adds, self.updates, self.moves, self.suspend, self.unsuspend,
                                    self.delete))  # fmt: skip

    def counts(self) -> dict[str, int]:
        """Counts of every kind, in a fixed order."""
        names = ("adds", "updates", "conflicts", "moves", "filed", "deleted", "kept_suspended",
                 "suspend", "unsuspend", "delete")  # fmt: skip
        return {**{n: len(getattr(self, n)) for n in names}, "unchanged": self.unchanged}


@dataclass(slots=True)
class _Builder:
    """The lists a plan is built from (mutable while planning only)."""

    adds: list[Card] = field(default_factory=list)
    updates: list[Card] = field(default_factory=list)
    conflicts: list[Card] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    filed: list[Card] = field(default_factory=list)
    deleted: list[Card] = field(default_factory=list)
    kept_suspended: list[Card] = field(default_factory=list)
    suspend: list[Card] = field(default_factory=list)
    unsuspend: list[Card] = field(default_factory=list)
    delete: list[Card] = field(default_factory=list)
    unchanged: int = 0
    stamps: dict[str, int] = field(default_factory=dict)
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)


def plan(
    live: Sequence[Card], retired: Sequence[Card], held: Mapping[str, Held], records: Mapping[str, Record],
    fields: Fields, *, delete_retired: bool = False,
) -> PushPlan:  # fmt: skip
    """Compare the build's cards (`live`, and `retired` claims) with the notes the collection
    holds (`held`, by GUID) and what push last wrote (`records`)."""
    b = _Builder()
    for card in live:
        _plan_live(b, card, held.get(card.guid), records.get(card.guid), fields)
    for card in retired:
        _plan_retired(b, card, held.get(card.guid), records.get(card.guid), fields, delete_retired)
    return PushPlan(
        tuple(b.adds), tuple(b.updates), tuple(b.conflicts), tuple(b.moves), tuple(b.filed),
        tuple(b.deleted), tuple(b.kept_suspended), tuple(b.suspend), tuple(b.unsuspend),
        tuple(b.delete), b.unchanged, dict(b.stamps), dict(b.tags),
    )  # fmt: skip


def _plan_live(b: _Builder, card: Card, note: Held | None, rec: Record | None, fields: Fields) -> None:
    if note is None:
        (b.deleted if rec is not None else b.adds).append(card)
        return
    changed = _plan_fields(b, card, note, rec, fields)
    back = rec is not None and rec.retired and note.suspended  # push suspended it: the claim is back
    if back:
        b.unsuspend.append(card)
    elif note.suspended:
        b.kept_suspended.append(card)
    moved = _plan_deck(b, card, note, rec)
    if not (changed or moved or back):
        b.unchanged += 1


def _plan_retired(
    b: _Builder, card: Card, note: Held | None, rec: Record | None, fields: Fields, delete: bool
) -> None:  # fmt: skip
    if note is None:
        return
    if delete:
        b.delete.append(card)
        return
    changed = _plan_fields(b, card, note, rec, fields)
    if not note.suspended:
        b.suspend.append(card)
    elif not changed:
        b.unchanged += 1


def _plan_fields(b: _Builder, card: Card, note: Held, rec: Record | None, fields: Fields) -> bool:
    """Plan the card's field update, if any; True when the note's fields are to be written."""
    built, now = fields_hash(fields(card)), fields_hash(note.fields)
    if now == built or (rec is not None and rec.built == built and rec.fields == now):
        return False
    if _edited_in_anki(card, note, rec, now):
        b.conflicts.append(card)
        return False
    b.updates.append(card)
    # Anki's importer takes a note only when its modification time is newer than the one it has.
    b.stamps[card.guid] = max(card.mtime, note.mod + 1)
    ours = set(rec.tags if rec is not None else card.face.tags) | {RETIRED_TAG}
    b.tags[card.guid] = (
        *card.face.tags,
        *(t for t in note.tags if t not in ours and t not in card.face.tags),
    )
    return True


def _edited_in_anki(card: Card, note: Held, rec: Record | None, now: str) -> bool:
    # Never pushed here (imported from a .apkg): push cannot tell an edit from a tag Anki added
    # (`leech` changes the note's time too), and it never wrote there, so the notes win.
    return rec is not None and rec.fields != now


def _plan_deck(b: _Builder, card: Card, note: Held, rec: Record | None) -> bool:
    """Plan the card's move, if its deck changed; True when it moves."""
    if note.deck == card.deck:
        return False
    if rec is not None and note.deck != rec.deck:  # the learner filed it elsewhere: it stays
        if rec.deck != card.deck:  # reported once, when deckgen's deck changes
            b.filed.append(card)
        return False
    b.moves.append(Move(card, tuple(c.cid for c in note.cards), note.deck))
    return True
