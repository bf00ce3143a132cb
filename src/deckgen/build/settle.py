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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import files
from ..cards.claims import NoteClaims
from ..config import Config
from ..errors import BuildError
from ..identity.lockfile import Lock
from ..identity.match import Taken, note_identity, reconcile_note
from ..identity.retire import retired_card
from ..model import Card, Change, Deck, Plan, Problem
from ..notes.media import unchanged
from ..write.apkg import note_type_text
from . import cache
from .discover import NoteFile
from .options import BuildOptions
from .plan import NotePlan, packages_of
from .readall import Scanned, load_claims, note_key, scan
from .state import Record
from .writer import Writer


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
    plan = NotePlan(files, lock, settled, run.scanned, records, config)
    writer = Writer(out, config, now, stage, last.get("packages", {}) if last else {}, lock)
    whole = writer.dirty(plan, settled, everything or options.every_card)
    outcome = Outcome({}, problems, [], [])
    for i, f in enumerate(files):
        if i in settled and not (plan.packages[i] & whole):
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
    writer.finish(outcome.gone, run.taken)
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
        self, i: int, old_path: str | None, problems: tuple[Problem, ...], writer: Writer, outcome: Outcome
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
        packages = packages_of({*(c.deck for c in cards), *(c.deck for c in retired)}, self.config)
        writer.add(cards, retired)
        outcome.records[f.shown] = Record(
            (self.stats[i][0], self.stats[i][1]), self.keys[i], row.digest, ident, tuple(sorted(packages)),
            tuple(sorted({c.deck for c in cards})), len(cards), len(nc.kept),
            dict(Counter(c.kind for c in cards)), problems, nc.empty_reason if not cards else "", nc.media,
        )  # fmt: skip
