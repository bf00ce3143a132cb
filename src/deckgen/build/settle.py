"""A build that writes, one note and one package at a time.

A note whose bytes, settings and lock entry are as the last build left them is *settled*: its
cards are what they were, so it is neither read nor reconciled, unless a package it gives
cards to must be written again. Every other note is settled with its own lock entry
(`identity.reconcile_note`), in reading order, and each package is written as soon as the last
note that gives it cards has been settled. Only the lock entries that changed are written
back. So a rebuild's cost follows the edit, and memory follows the largest package rather than
the vault. A dry run is the same loop with the memory sink (`stage` None).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import files
from ..cards.claims import NoteClaims
from ..config import Config
from ..errors import BuildError
from ..identity.lockfile import Lock, Row
from ..identity.lockwrite import entry_text, row_of, stage_entry, stage_index
from ..identity.match import Change, NoteEntry, Plan, Taken, note_identity, reconcile_note
from ..identity.retire import retired_card
from ..model import Card, Deck, Problem
from ..notes.media import unchanged
from ..write.apkg import note_type_text
from ..write.package import group, package_name, stage_package
from . import cache
from .discover import NoteFile
from .options import BuildOptions
from .readall import Scanned, load_claims, note_key, scan
from .state import Record


@dataclass(slots=True)
class Outcome:
    """What `settle` found and wrote."""

    records: dict[str, Record]
    problems: list[Problem]
    changes: list[Change]
    decks: list[Deck]
    """The decks of every package this build looked at (all of them when nothing is settled)."""
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Package file name → {"digest", "decks"} for every package of the build."""
    gone: list[str] = field(default_factory=list)
    """Lock entries this build dropped (the old paths of renamed notes)."""
    unchanged: int = 0
    """Cards that stay as they were (`Plan.unchanged`)."""
    claims: list[NoteClaims] = field(default_factory=list)
    """Each note settled, with its ranked claims: kept by the memory sink only."""
    retired: list[Card] = field(default_factory=list)
    """The retired cards of every package the build looked at."""

    @property
    def plan(self) -> Plan:
        """What the build changes."""
        return Plan(tuple(self.changes), self.unchanged)


def settings_digest(config: Config) -> str:
    """The code, settings and card templates a build ran with: when any differs, no record of
    the last build stands (the cache keys and packages depend on them)."""
    text = f"{files.code_digest()}\x1f{config!r}\x1f{note_type_text(config.templates)!r}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _packages(decks: Iterable[str], config: Config) -> set[str]:
    return {package_name(d, config) for d in decks}


def _entry_decks(e: NoteEntry) -> set[str]:
    return {x.deck for x in (*e.claims, *e.retired)}


class _Plan:
    """Which notes to settle, against which old entry, and which packages to write."""

    def __init__(self, files: Sequence[NoteFile], lock: Lock, settled: dict[int, Record],
                 scanned: dict[int, Scanned], last: dict[str, Record], config: Config) -> None:  # fmt: skip
        found = {f.shown for f in files}
        keep = {f.shown for i, f in enumerate(files) if i in scanned and scanned[i].unread}
        by_id: dict[str, list[str]] = {}
        for row in sorted(lock.rows.values(), key=lambda r: r.path):
            by_id.setdefault(row.identity, []).append(row.path)
        used = keep & set(lock.rows)
        self.old: dict[int, str | None] = {}
        self.packages: dict[int, set[str]] = {}
        for i, f in enumerate(files):
            if i in settled:
                used.add(f.shown)
                self.packages[i] = set(settled[i].packages)
                continue
            s = scanned[i]
            if s.unread:
                self.packages[i] = (
                    _packages(_retired_decks(lock, f.shown), config) if f.shown in lock.rows else set()
                )
                continue
            old = f.shown if f.shown in lock.rows and f.shown not in used else None
            if old is None:  # renamed or moved file: same video and title, old path gone
                old = next((p for p in by_id.get(s.identity, []) if p not in found and p not in used), None)
            if old is not None:
                used.add(old)
            self.old[i] = old
            before = last.get(old) if old is not None and old == f.shown else None
            if old is None:
                had: set[str] = set()
            elif before is not None and before.lock == lock.rows[old].digest:
                had = set(before.packages)  # as the last build recorded them: no entry to read
            else:
                had = _packages(_entry_decks(lock.entry(old)), config)
            self.packages[i] = _packages(s.decks, config) | had
        self.deleted = sorted(set(lock.rows) - used)
        self.deleted_packages = {p: _packages(_entry_decks(lock.entry(p)), config) for p in self.deleted}
        self.keep = keep


def _retired_decks(lock: Lock, path: str) -> set[str]:
    return {e.deck for e in lock.entry(path).retired}


def settle(
    files: Sequence[NoteFile], stats: Sequence[list[int]], out: Path, config: Config, now: int,
    options: BuildOptions, lock: Lock, last: dict[str, Any], stage: Callable[[Path], Path] | None,
) -> Outcome:  # fmt: skip
    """Settle every note with the lock and stage the packages and lock entries that changed
    (`stage` None: the memory sink, which stages nothing and keeps each note's claims); `stats`
    are the notes' sizes and modification times as the build first saw them."""
    alike = bool(last) and last.get("settings") == settings_digest(config)
    records: dict[str, Record] = last.get("notes", {}) if alike else {}
    everything = lock.path is None or not alike
    keys, settled = _skip(files, stats, config, lock, {} if everything else records)
    run = _Run(files, stats, out / cache.CACHE_NAME, config, now, lock, keys, stage)
    run.scan(settled, options)
    problems = [
        p
        for i in range(len(files))
        for p in (settled[i].problems if i in settled else run.scanned[i].problems)
    ]
    if not options.keep_going and (unread := [p for p in problems if p.unread]):
        raise BuildError("nothing written; fix these notes first:\n" + "\n".join(map(str, unread)))
    plan = _Plan(files, lock, settled, run.scanned, records, config)
    writer = _Writer(out, config, now, stage, last.get("packages", {}) if last else {}, lock)
    dirty = writer.dirty(plan, settled, everything or options.every_card)
    outcome = Outcome({}, problems, [], [])
    for i, f in enumerate(files):
        if i in settled and not (plan.packages[i] & dirty):
            outcome.records[f.shown] = settled[i]
            outcome.unchanged += settled[i].kept
        elif f.shown in plan.keep:  # unreadable now: its entries stay as they are
            if f.shown in lock.rows:
                writer.add([], [retired_card(f.shown, e) for e in lock.entry(f.shown).retired])
        else:
            old_path = plan.old.get(i, f.shown if i in settled else None)
            problems_of = run.scanned[i].problems if i in run.scanned else settled[i].problems
            run.note(i, old_path, problems_of, writer, outcome)
        writer.flush(i)
    for path in plan.deleted:  # deleted notes: all their claims retire
        n = lock.entry(path)
        gone = tuple(replace(e, mtime=max(now, e.mtime + 1)) for e in n.claims) + n.retired
        outcome.changes += [Change("retired", e.deck, e.question, n.path) for e in n.claims]
        entry = replace(n, claims=(), retired=gone)
        writer.rows[path] = writer.entry(entry)
        writer.add([], [retired_card(path, e) for e in entry.retired])
    writer.flush(len(files))
    outcome.decks = sorted(writer.decks, key=lambda d: d.name)
    outcome.retired = writer.gone
    outcome.packages = writer.packages
    writer.finish(outcome, run.taken)
    return outcome


def _skip(
    files: Sequence[NoteFile],
    stats: Sequence[list[int]],
    config: Config,
    lock: Lock,
    records: dict[str, Record],
) -> tuple[list[str], dict[int, Record]]:
    """Each note's cache key, and the notes that are settled: bytes, settings, lock entry and
    images as the last build's `records` say (the skip flag of the stages, as mkdocs' `dirty`)."""
    keys: list[str] = []
    settled: dict[int, Record] = {}
    for i, f in enumerate(files):
        st, rec = (stats[i][0], stats[i][1]), records.get(f.shown)
        key = rec.key if rec is not None and rec.stat == st and st[0] >= 0 else note_key(f, config)
        keys.append(key)
        row = lock.rows.get(f.shown)
        known = bool(rec and key and rec.key == key and row and row.digest == rec.lock)
        if known and rec is not None and unchanged(rec.media):  # (a replaced image: read it again)
            settled[i] = rec
    return keys, settled


class _Run:
    """The notes of one build that are not skipped: read (or taken from the cache), then each
    settled with its lock entry."""

    def __init__(self, files: Sequence[NoteFile], stats: Sequence[list[int]], cache_dir: Path,
                 config: Config, now: int, lock: Lock, keys: list[str],
                 stage: Callable[[Path], Path] | None) -> None:  # fmt: skip
        self.files, self.stats, self.cache_dir, self.config, self.now = files, stats, cache_dir, config, now
        self.keys, self.stage = keys, stage
        self.store = False
        self.scanned: dict[int, Scanned] = {}
        self.taken = Taken(held=lock.holds)
        self.lock = lock

    def scan(self, settled: dict[int, Record], options: BuildOptions) -> None:
        """Read every note that is not settled, on the build's one pool, from the cache when it can."""
        self.store = self.stage is not None or options.cache
        todo = [i for i in range(len(self.files)) if i not in settled]
        found = scan(self.files, todo, self.keys, self.config, self.cache_dir, options.jobs, self.store)
        for done, (i, s) in enumerate(found):
            self.scanned[i] = s
            if options.progress:
                options.progress(len(settled) + done + 1, len(self.files))
        if self.store:
            cache.prune(self.cache_dir, set(self.keys))

    def note(
        self, i: int, old_path: str | None, problems: tuple[Problem, ...], writer: _Writer, outcome: Outcome
    ) -> None:
        """One note through identity: its cards and lock entry, handed to the writer."""
        f = self.files[i]
        held = self.scanned[i].claims if i in self.scanned else None
        nc = held or load_claims(f, self.keys[i], self.config, self.cache_dir)
        if nc is None:  # the cache lost a note that can no longer be read: keep its entries
            raise BuildError(f"{f.shown}: the note changed while deckgen read it — build again")
        ident = note_identity(nc.note)
        old = self.lock.entry(old_path) if old_path else None
        cards, entry, changes, same = reconcile_note(nc, ident, old, self.taken, self.now)
        if self.stage is None:
            outcome.claims.append(nc)
        row = writer.rows[entry.path] = writer.entry(entry)
        # every GUID an entry written now holds goes on the GUID list again: after a build cut
        # short between an entry file and the list, a claim matched by key is minted no more
        self.taken.minted += [e.guid for e in entry.claims]
        if old_path and old_path != f.shown:
            outcome.gone.append(old_path)
        outcome.changes += changes
        outcome.unchanged += same
        retired = [retired_card(entry.path, e) for e in entry.retired]
        packages = _packages({*(c.deck for c in cards), *(c.deck for c in retired)}, self.config)
        writer.add(cards, retired)
        outcome.records[f.shown] = Record(
            (self.stats[i][0], self.stats[i][1]), self.keys[i], row.digest, ident, tuple(sorted(packages)),
            tuple(sorted({c.deck for c in cards})), len(cards), len(nc.kept),
            dict(Counter(c.kind for c in cards)), problems, nc.empty_reason if not cards else "", nc.media,
        )  # fmt: skip


class _Writer:
    """Collects each dirty package's cards and writes it once its last note is settled."""

    def __init__(self, out: Path, config: Config, now: int, stage: Callable[[Path], Path] | None,
                 before: dict[str, dict[str, Any]], lock: Lock) -> None:  # fmt: skip
        self.out, self.config, self.now, self.stage, self.before, self.lock = (
            out,
            config,
            now,
            stage,
            before,
            lock,
        )
        self.live: dict[str, list[Card]] = {}
        self.retired: dict[str, list[Card]] = {}
        self.last: dict[str, int] = {}
        self.decks: list[Deck] = []
        self.gone: list[Card] = []
        self.packages: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, Row] = {}

    def dirty(self, plan: _Plan, settled: dict[int, Record], everything: bool) -> set[str]:
        """The packages to put together again, and the last note each waits for."""
        dirty: set[str] = set()
        for i, packages in plan.packages.items():
            if everything or i not in settled:
                dirty |= packages
        for packages in plan.deleted_packages.values():
            dirty |= packages
        every = {p for packages in plan.packages.values() for p in packages}
        dirty |= {p for p in every if p not in self.before or not (self.out / p).is_file()}
        for name, info in self.before.items():
            if name in every and name not in dirty:
                self.packages[name] = info  # settled: as the last build wrote it
        for i, packages in sorted(plan.packages.items()):
            for p in packages & dirty:
                self.last[p] = i
        for path in plan.deleted:
            for p in plan.deleted_packages[path]:
                self.last[p] = len(plan.packages)
        return dirty

    def add(self, cards: Iterable[Card], retired: Iterable[Card]) -> None:
        """A note's live and retired cards, into the buffers of their packages."""
        for c in cards:
            self.live.setdefault(package_name(c.deck, self.config), []).append(c)
        for c in retired:
            self.retired.setdefault(package_name(c.deck, self.config), []).append(c)

    def flush(self, i: int) -> None:
        """Write every package whose last note is `i` (or earlier)."""
        for name in [p for p, last in self.last.items() if last <= i]:
            del self.last[name]
            live, retired = self.live.pop(name, []), self.retired.pop(name, [])
            if not live and not retired:
                continue
            retired.sort(key=lambda c: c.note_path)
            decks = group([*live, *retired])
            digest = ""  # the memory sink writes no package, so it needs no digest to compare
            if self.stage is not None:
                before = (self.before.get(name) or {}).get("digest")
                digest, _ = stage_package(self.stage, self.out / name, decks, self.now, self.config, before)
            self.packages[name] = {"digest": digest, "decks": [d.name for d in decks]}
            self.decks += group(live)  # the result's decks hold live cards
            self.gone += retired

    def entry(self, entry: NoteEntry) -> Row:
        """A note's lock entry: staged when it changed (the memory sink only computes its row)."""
        if self.stage is None:
            return row_of(entry, entry_text(entry))
        return stage_entry(self.stage, self.lock, entry)

    def finish(self, outcome: Outcome, taken: Taken) -> None:
        """Stage the lock's index (last, so that it lands last)."""
        if self.lock.path is not None and self.stage is not None:
            stage_index(self.stage, self.lock, self.rows, outcome.gone, taken.minted)
