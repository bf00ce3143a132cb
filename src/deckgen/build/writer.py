"""The packages of a build: each put together once its last note is settled, from every note it
holds or, when only some of its decks change, updated in place (`write.package.patch_package`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..config import Config
from ..files import stamp
from ..identity.lockfile import Lock, Row
from ..identity.lockwrite import entry_text, row_of, stage_entry, stage_index
from ..identity.match import NoteEntry, Taken
from ..model import Card, Deck
from ..write.package import group, package_name, patch_package, stage_package
from .plan import NotePlan
from .state import Record


class Writer:
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
        self.soonest = 0
        """The first note after which a package is due (`last`'s least value, once known)."""
        self.decks: list[Deck] = []
        self.gone: list[Card] = []
        self.packages: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, Row] = {}
        self.patch: dict[str, set[str]] = {}
        """Package → the decks whose cards change, for the packages updated in place."""

    def dirty(self, plan: NotePlan, settled: dict[int, Record], everything: bool) -> set[str]:
        """The packages that change, and the last note each waits for. Returns those put
        together again from every note they hold; the others are updated in place (`patch`)."""
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
        if not everything:
            self.patch = {
                name: decks for name in sorted(dirty) if (decks := self._touched(name, plan)) is not None
            }
        for i, packages in sorted(plan.packages.items()):
            for p in packages & dirty:
                if i not in settled or p not in self.patch:
                    self.last[p] = i
        for path in plan.deleted:
            for p in plan.deleted_packages[path]:
                self.last[p] = len(plan.packages)
        return dirty - set(self.patch)

    def _touched(self, name: str, plan: NotePlan) -> set[str] | None:
        """The decks of package `name` whose cards change, when no note that stays as it was has a
        card in them and the file is the one the last build wrote: then only those decks are put
        together again. None when the package must be written from every note it holds."""
        info = self.before.get(name) or {}
        owners, file = info.get("owners"), info.get("file")
        if not isinstance(owners, dict) or file != list(stamp(self.out / name)):
            return None  # (written by an older deckgen, or changed since)
        if any(name in plan.packages[i] for i in plan.unread):  # their entries stay as they are
            return None
        held: dict[str, set[str]] = {}
        for deck, paths in owners.items():
            for path in paths:
                held.setdefault(path, set()).add(deck)
        touched = {
            d for i, decks in plan.decks.items() for d in decks if package_name(d, self.config) == name
        }
        for path in plan.changed:
            touched |= held.get(path, set())
        if any(not set(owners.get(d, ())) <= plan.changed for d in touched):
            return None  # a deck shared with a note that stays: its cards' order needs them all
        return touched

    def add(self, cards: Iterable[Card], retired: Iterable[Card]) -> None:
        """A note's live and retired cards, into the buffers of their packages."""
        for c in cards:
            self.live.setdefault(package_name(c.deck, self.config), []).append(c)
        for c in retired:
            self.retired.setdefault(package_name(c.deck, self.config), []).append(c)

    def flush(self, i: int) -> None:
        """Write every package whose last note is `i` (or earlier)."""
        if i < self.soonest:  # (called once per note: a vault's notes times its packages adds up)
            return
        due = [p for p, last in self.last.items() if last <= i]
        for name in due:
            del self.last[name]
        self.soonest = min(self.last.values(), default=1 << 62)
        for name in due:
            live, retired = self.live.pop(name, []), self.retired.pop(name, [])
            touched = self.patch.get(name)
            if touched is not None:  # only the cards of the decks that change
                live, retired = (
                    [c for c in live if c.deck in touched],
                    [c for c in retired if c.deck in touched],
                )
            elif not live and not retired:
                continue
            retired.sort(key=lambda c: c.note_path)
            decks = group([*live, *retired])
            if (info := self._stage(name, decks, touched)) is None:
                continue  # no card is left in it
            self.packages[name] = info
            self.decks += group(live)  # the result's decks hold live cards
            self.gone += retired

    def _stage(self, name: str, decks: Sequence[Deck], touched: set[str] | None) -> dict[str, Any] | None:
        """Stage one package (none with the memory sink), whole or updated in place; what the
        next build needs to know of it."""
        before = self.before.get(name) or {}
        owners = {d.name: sorted({c.note_path for c in d.cards}) for d in decks}
        if touched is not None:
            owners = {**{d: ps for d, ps in before["owners"].items() if d not in touched}, **owners}
        path = self.out / name
        digest, file = "", None  # the memory sink writes no package, so it needs no digest to compare
        if self.stage is not None and touched is None:
            digest, file = stage_package(self.stage, path, decks, self.now, self.config, before.get("digest"))
        elif self.stage is not None and touched is not None:
            staged = patch_package(self.stage, path, touched, decks, self.now, self.config, before["digest"])
            if staged is None:
                return None
            digest, file = staged
        return {
            "digest": digest,
            "decks": sorted(owners),
            "owners": owners,
            "file": list(file or stamp(path)),
        }

    def entry(self, entry: NoteEntry) -> Row:
        """A note's lock entry: staged when it changed (the memory sink only computes its row)."""
        if self.stage is None:
            return row_of(entry, entry_text(entry))
        return stage_entry(self.stage, self.lock, entry)

    def finish(self, gone: Iterable[str], taken: Taken) -> None:
        """Stage the lock's index without the entries `gone` (last, so that it lands last)."""
        if self.lock.path is not None and self.stage is not None:
            stage_index(self.stage, self.lock, self.rows, gone, taken.minted)
