"""Which notes a build settles, against which old lock entry, and which packages they touch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..config import Config
from ..identity.lockfile import Lock
from ..identity.match import NoteEntry
from ..write.package import package_name
from .discover import NoteFile
from .readall import Scanned
from .state import Record


def packages_of(decks: Iterable[str], config: Config) -> set[str]:
    return {package_name(d, config) for d in decks}


def _entry_decks(e: NoteEntry) -> set[str]:
    return {x.deck for x in (*e.claims, *e.retired)}


class NotePlan:
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
        self.decks: dict[int, tuple[str, ...]] = {}
        """The decks each note read gives cards to now."""
        self.unread: set[int] = set()
        for i, f in enumerate(files):
            if i in settled:
                used.add(f.shown)
                self.packages[i] = set(settled[i].packages)
                continue
            s = scanned[i]
            if s.unread:
                self.unread.add(i)
                self.packages[i] = (
                    packages_of(_retired_decks(lock, f.shown), config) if f.shown in lock.rows else set()
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
                had = packages_of(_entry_decks(lock.entry(old)), config)
            self.packages[i] = packages_of(s.decks, config) | had
            self.decks[i] = s.decks
        self.deleted = sorted(set(lock.rows) - used)
        self.deleted_packages = {p: packages_of(_entry_decks(lock.entry(p)), config) for p in self.deleted}
        self.keep = keep
        self.changed = (
            {files[i].shown for i in self.decks} | {p for p in self.old.values() if p} | {*self.deleted}
        )
        """The notes whose cards change, by the paths the lock and the cards name them by."""


def _retired_decks(lock: Lock, path: str) -> set[str]:
    return {e.deck for e in lock.entry(path).retired}
