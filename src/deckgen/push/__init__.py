"""`push()`: build, then keep an Anki collection in step with the cards, by GUID.

The build writes the packages and the lock as usual. Push then reads what the collection holds
(not what the lock says), plans (`plan.py`) and applies the plan through one backend: the
collection file itself (`collection.py`) or a running Anki through AnkiConnect
(`ankiconnect.py`). Adds and updates go through Anki's own importer, from a temporary package
holding only those cards, so card IDs, reviews and scheduling are kept; moves, suspensions,
tags and deletions are made by note and card ID.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from ..build import BuildOptions, BuildResult, build
from ..cards.render import media_files
from ..config import Config
from ..errors import ConfigError
from ..identity.retire import RETIRED_TAG, prune
from ..model import Card, Problem, Review
from ..write.apkg import card_fields, write_package
from ..write.package import group
from .collection import Direct, PushError, profile_collection
from .plan import Held, PushPlan, Record, fields_hash, plan
from .records import collection_id, load_records, save_records, stored_under
from .schedule import carried, planned

__all__ = ["PushError", "PushOptions", "PushResult", "profile_collection", "push"]

MOVE_WARNING = "cards moved from deck"
"""How the build's advice to move cards by hand starts (see `build._move_warnings`)."""
RECORDS_NAME = "deckgen.push.json"
"""Push's per-collection records, kept next to the lock."""
IMPORT_DROPS = frozenset({"leech", "marked"})
"""Tags Anki's importer strips from every note it imports (checked with anki 26.9.3)."""


class Backend(Protocol):
    """Where push reads and writes notes: a collection file, or Anki through AnkiConnect."""

    name: str

    def held(
        self, guids: Mapping[str, str], known: Mapping[str, int], decks: Iterable[str]
    ) -> dict[str, Held]: ...
    def import_package(self, path: Path) -> None: ...
    def schedule(self, reviews: Mapping[int, Review]) -> int: ...
    def move(self, cids: Sequence[int], deck: str) -> None: ...
    def suspend(self, cids: Sequence[int], on: bool) -> None: ...
    def tag(self, nids: Sequence[int], tag: str, on: bool) -> None: ...
    def delete(self, nids: Sequence[int]) -> None: ...
    def store_media(self, name: str, data: bytes) -> None: ...
    def read_media(self, name: str) -> bytes | None: ...
    def backup(self, folder: Path | None) -> Path: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PushOptions:
    """Where to push and how."""

    collection: Path | None = None
    """The collection file (`collection.anki2`); None with `ankiconnect`."""
    ankiconnect: str = ""
    """AnkiConnect's URL, e.g. http://127.0.0.1:8765; '' to open `collection` directly."""
    key: str = ""
    """AnkiConnect's API key, when the add-on asks for one."""
    delete_retired: bool = False
    """Delete retired cards (after a backup) instead of suspending them; the lock forgets them."""
    dry_run: bool = False
    """Plan against the real collection, change nothing (the build writes nothing either)."""
    backup_dir: Path | None = None
    """Where the backup before deletions goes; default `backups/` beside the collection."""
    create: bool = False
    """Start a new, empty collection at `collection` when there is none (else that is refused)."""


@dataclass(frozen=True, slots=True)
class PushResult:
    """What a push found and did."""

    build: BuildResult
    plan: PushPlan
    target: str
    """The collection's path, or AnkiConnect's URL."""
    backup: Path | None = None
    pruned: int = 0
    """Retired claims the lock forgot (`--delete-retired`)."""
    media: int = 0
    nids: Mapping[str, int] = field(default_factory=dict)
    """GUID → Anki note ID, for `nid:` searches."""
    schedules: int = 0
    """New cards started with the learner's schedule from the Spaced Repetition plugin (for a
    dry run: the cards that would be)."""
    unscheduled: int = 0
    """New cards that had such a schedule and were started as new all the same (AnkiConnect)."""

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The build's warnings, less its advice to move cards by hand: push moves them."""
        return tuple(p for p in self.build.problems if not p.message.startswith(MOVE_WARNING))


def connect(options: PushOptions) -> Backend:
    """Open the collection, or reach AnkiConnect; fails at once when neither can be used."""
    if options.ankiconnect and options.collection is not None:
        raise ConfigError("give either --collection/--profile or --ankiconnect, not both")
    if options.ankiconnect:
        from .ankiconnect import AnkiConnect, no_backup

        if options.delete_retired:  # refused before anything is built or written
            raise no_backup(options.ankiconnect)
        if options.create:
            raise ConfigError(
                "--create starts a collection file: give it with --collection, not --ankiconnect"
            )

        return AnkiConnect(options.ankiconnect, options.key)
    if options.collection is None:
        raise PushError("no collection: pass --collection PATH, --profile NAME or --ankiconnect")
    return Direct(options.collection, create=options.create, dry_run=options.dry_run)


def push(
    paths: Sequence[Path], out: Path, config: Config, now: int, build_options: BuildOptions,
    options: PushOptions,
) -> PushResult:  # fmt: skip
    """Build the cards under `paths`, then add, update, move, suspend or delete notes in the
    collection so that it holds them (see the module's docstring)."""
    lock = build_options.lock
    if lock is None:
        raise PushError("push needs the lock (deckgen.lock): it gives each card its identity")
    backend = connect(options)  # before building: an open collection is refused at once
    try:
        result = build(
            paths, out, config, now, replace(build_options, write=not options.dry_run, every_card=True)
        )
        live = [c for d in result.decks for c in d.cards]
        retired = list(result.retired)
        store = lock.parent / RECORDS_NAME
        ident = collection_id(backend, create=not options.dry_run)
        # records from before collections had IDs are under the path or URL: read there once
        key = ident if ident is not None and stored_under(store, ident) else backend.name
        records = load_records(store, key)
        cards = [*live, *retired]
        built = {c.guid: tuple(card_fields(c)) for c in cards}  # rendered once: the slow part
        guids = {guid: values[0] for guid, values in built.items()}
        decks = {c.deck for c in cards} | {r.deck for r in records.values()}
        known = {g: r.nid for g, r in records.items()}
        held = backend.held(guids, known, decks)
        todo = plan(
            live, retired, held, records, lambda c: built[c.guid], delete_retired=options.delete_retired
        )
        if options.dry_run:
            nids, n = {g: h.nid for g, h in held.items()}, planned(todo.adds)
            kept = n if isinstance(backend, Direct) else 0  # AnkiConnect sets no schedule
            return PushResult(result, todo, backend.name, nids=nids, schedules=kept, unscheduled=n - kept)

        def save(new: Mapping[str, Record]) -> None:
            assert ident is not None  # written above: this is no dry run
            save_records(store, ident, new, moved_from=key if key != ident else "")

        backup = _apply(backend, todo, held, records, built, options, save)
        media = _media(backend, cards)
        after = (
            backend.held(guids, {**known, **{g: h.nid for g, h in held.items()}}, decks)
            if todo.changes()
            else held
        )
        schedules = backend.schedule(carried(todo.adds, after)) if todo.adds else 0
        unscheduled = planned(todo.adds) - schedules
        new = _records(cards, todo, after, records, built)
        if new != records or key != ident or todo.changes():
            save(new)
        pruned = prune(lock) if options.delete_retired else 0
        nids = {g: h.nid for g, h in after.items()}
        return PushResult(result, todo, backend.name, backup, pruned, media, nids, schedules, unscheduled)
    finally:
        backend.close()


def _apply(
    backend: Backend, todo: PushPlan, held: Mapping[str, Held], old: Mapping[str, Record],
    built: Mapping[str, Sequence[str]], options: PushOptions, save: Callable[[Mapping[str, Record]], None],
) -> Path | None:  # fmt: skip
    """Make the plan's changes, in an order in which a push stopped at any step leaves a
    collection and records the next push finishes from: adds, updates and moves show in the
    collection itself; the tags the importer drops, deletions and suspensions are recorded
    first (`save`)."""
    backup = backend.backup(options.backup_dir) if todo.delete else None  # before any change
    # the tags a stopped push took off with its import and had yet to put back
    _tag(
        backend,
        {g: [t for t in r.restore if t not in held[g].tags] for g, r in old.items() if g in held},
        held,
    )
    dropped = {c.guid: sorted(set(todo.tags[c.guid]) & IMPORT_DROPS) for c in todo.updates}
    if any(dropped.values()):
        save(_restoring(dropped, held, old))
    _import(backend, todo)
    _tag(backend, dropped, held)
    by_deck: dict[str, list[int]] = {}
    for move in todo.moves:
        by_deck.setdefault(move.card.deck, []).extend(move.cids)
    for deck, cids in sorted(by_deck.items()):
        backend.move(cids, deck)
    # the importer keeps card IDs, so those read before it still hold; the retired tag goes
    # first, so that a push stopped between the two leaves what the next one finishes
    if todo.unsuspend:  # recorded as push's suspension until the records are written at the end
        backend.tag([held[c.guid].nid for c in todo.unsuspend], RETIRED_TAG, False)
        backend.suspend([x.cid for c in todo.unsuspend for x in held[c.guid].cards], False)
    if todo.delete or todo.suspend:
        save(_intended(todo, held, old, built))
    if todo.delete:
        backend.delete([held[c.guid].nid for c in todo.delete])
    if todo.suspend:
        backend.tag([held[c.guid].nid for c in todo.suspend], RETIRED_TAG, True)
        backend.suspend([x.cid for c in todo.suspend for x in held[c.guid].cards], True)
    return backup


def _import(backend: Backend, todo: PushPlan) -> None:
    """Add and update notes through Anki's importer, from a package of just those cards."""
    if not (todo.adds or todo.updates):
        return
    stamped = [*todo.adds, *(_restamp(c, todo) for c in todo.updates)]
    with tempfile.TemporaryDirectory(prefix="deckgen-push-") as folder:
        package = Path(folder) / "push.apkg"
        backend.import_package(write_package(list(group(stamped)), package, max(c.mtime for c in stamped)))


def _tag(backend: Backend, tags: Mapping[str, Sequence[str]], held: Mapping[str, Held]) -> None:
    """Put tags (GUID → tags) on the notes."""
    nids: dict[str, list[int]] = {}
    for guid, names in tags.items():
        for tag in names:
            nids.setdefault(tag, []).append(held[guid].nid)
    for tag, ids in sorted(nids.items()):
        backend.tag(ids, tag, True)


def _restoring(
    dropped: Mapping[str, Sequence[str]], held: Mapping[str, Held], records: Mapping[str, Record]
) -> dict[str, Record]:
    """The records as they must be before the import: with the tags Anki's importer drops
    (`leech`, `marked`: Anki's own marks on the learner's note, not deckgen's) that push must
    put back, should it be stopped before it does."""
    out = dict(records)
    for guid, tags in ((g, t) for g, t in dropped.items() if t):
        note = held[guid]
        # never pushed here: the fields as they are (the update then shows as the notes' change)
        rec = records.get(guid) or Record(note.nid, note.deck, fields_hash(note.fields))
        out[guid] = replace(rec, restore=tuple(tags))
    return out


def _intended(
    todo: PushPlan, held: Mapping[str, Held], records: Mapping[str, Record],
    built: Mapping[str, Sequence[str]],
) -> dict[str, Record]:  # fmt: skip
    """The records as they must be before push deletes and suspends retired cards: a deleted
    one forgotten, a suspended one marked as push's (lest a push stopped right after left it
    looking like the learner's own suspension, never to be lifted)."""
    updated = {c.guid for c in todo.updates}
    out = {g: r for g, r in records.items() if g not in {c.guid for c in todo.delete}}
    for card in todo.suspend:
        note, rec, wrote = held[card.guid], records.get(card.guid), fields_hash(built[card.guid])
        if rec is None:  # never pushed here: the fields are those the import left
            rec = Record(
                note.nid, note.deck, wrote if card.guid in updated else fields_hash(note.fields), wrote
            )
        out[card.guid] = replace(rec, retired=True)
    return out


def _restamp(card: Card, todo: PushPlan) -> Card:
    """The card as the update must carry it: a newer modification time, the learner's tags kept."""
    return replace(card, mtime=todo.stamps[card.guid], face=replace(card.face, tags=todo.tags[card.guid]))


def _media(backend: Backend, cards: Sequence[Card]) -> int:
    """Put the files the cards show (images, under their bundled names) into the collection's
    media folder; returns how many."""
    files = media_files(cards)
    for name, data in sorted(files.items()):
        backend.store_media(name, data)
    return len(files)


def _records(
    cards: Sequence[Card], todo: PushPlan, after: Mapping[str, Held], old: Mapping[str, Record],
    built: Mapping[str, Sequence[str]],
) -> dict[str, Record]:  # fmt: skip
    """What push wrote, per GUID, for the next push to compare with."""
    conflicts = {c.guid for c in todo.conflicts}
    filed = {c.guid for c in todo.filed}
    moved = {m.card.guid for m in todo.moves}
    suspended = {c.guid for c in todo.suspend}
    out: dict[str, Record] = {}
    for card in cards:
        rec, note = old.get(card.guid), after.get(card.guid)
        if note is None:
            if rec is not None and card.status != "retired":
                out[card.guid] = rec  # deleted in Anki: remember, so it is never brought back
            continue
        wrote = fields_hash(built[card.guid])
        # a card already in deckgen's deck is where push put it, even when a push stopped
        # before it recorded the move
        placed = card.guid in moved or note.deck == card.deck
        if card.guid in conflicts:  # kept as the learner has it, but in the deck push moved it to
            deck = note.deck if placed or rec is None else rec.deck
            fresh = Record(note.nid, deck, wrote, wrote, tags=card.face.tags)
            out[card.guid] = replace(rec, deck=deck) if rec is not None else fresh
            continue
        # the deck push last put it in: where it is now, unless the learner filed it elsewhere
        deck = note.deck if placed or rec is None else card.deck if card.guid in filed else rec.deck
        was = rec is not None and rec.retired and card.status == "retired"
        out[card.guid] = Record(
            note.nid, deck, fields_hash(note.fields), wrote, was or card.guid in suspended
        )
    # what this push did not see (a note that could not be read, a claim away for a while) is
    # remembered still: a card deleted in Anki must not come back with it
    deleted = {c.guid for c in todo.delete}
    out |= {g: r for g, r in old.items() if g not in built and g not in deleted}
    return out
