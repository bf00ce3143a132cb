"""`run()`, the build's body: gather and check every note first, then write. mkdocs' build is
the model.

This module only orchestrates: `build()` (in `__init__.py`) has `discover` find the notes,
`state` lets an unchanged build return at once, `settle` runs every note that is not settled
through the stages and hands its cards to the sink: staged files (packages and the lock, put in
place together) or, for a dry run, `diff`, `sheet` and `preview`, memory.
"""

from __future__ import annotations

import errno
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..errors import BuildError
from ..files import exclusive, mark_output, staged
from ..identity.lockformat import VERSION, folder_of, guard
from ..model import Card, Deck, Plan, Problem, SourceRef
from . import cache
from .discover import NoteFile
from .options import DEFAULTS, BuildOptions
from .state import (
    inputs_digest,
    last_notes,
    last_packages,
    last_state,
    media_now,
    note_stats,
    save_notes,
    save_state,
    signature,
    unchanged_summary,
)

if TYPE_CHECKING:
    from ..cards.claims import NoteClaims
    from .settle import Outcome

LOCK_WAIT = 30.0
"""Seconds a second deckgen waits for the first to finish writing into the same folder."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build read and wrote."""

    notes: int
    cards: int
    decks: tuple[Deck, ...]
    """The topic decks with their live cards, of the packages the build looked at: every deck
    with `BuildOptions.every_card`, none when the build was `skipped`."""
    problems: tuple[Problem, ...]
    outputs: tuple[Path, ...] = ()
    kinds: dict[str, int] = field(default_factory=dict)
    plan: Plan = field(default_factory=Plan)
    skipped: bool = False
    """Nothing changed since the last build, so nothing was read or written."""
    deck_count: int = 0
    """How many topic decks hold the build's live cards (a deck holding only retired cards is
    not counted); kept apart from `decks`, which a build that skips settled notes lacks."""
    removed: tuple[Path, ...] = ()
    """Packages an earlier build wrote that this one deleted: their source is gone."""
    empty: tuple[tuple[str, str], ...] = ()
    """(path, reason) of every note read that gave no card, in reading order."""
    claims: tuple[NoteClaims, ...] = ()
    """Every note read, with its ranked claims (kept and ranked out): held by a build that
    writes nothing, in reading order."""
    retired: tuple[Card, ...] = ()
    """The retired cards of the packages the build looked at (all of them with `every_card`):
    claims that left their notes, kept in the packages, marked, until pruned."""

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "notes": self.notes, "cards": self.cards,
            "decks": self.deck_count,
            "kinds": self.kinds, "plan": self.plan.counts(), "warnings": [str(p) for p in self.problems],
            "outputs": [str(p) for p in self.outputs], "removed": [str(p) for p in self.removed],
            "skipped": self.skipped, "empty": [list(e) for e in self.empty],
        }  # fmt: skip

    @classmethod
    def from_summary(cls, s: dict[str, Any], problems: list[list[Any]]) -> BuildResult:
        """The result of a build that found nothing changed since the one that wrote `s`."""
        return cls(
            notes=s["notes"], cards=s["cards"], decks=(),
            problems=tuple(Problem(SourceRef(p, line), m, unread) for p, line, m, unread in problems),
            outputs=tuple(Path(p) for p in s["outputs"]), kinds=s["kinds"],
            plan=Plan(unchanged=s["cards"]), skipped=True, deck_count=s["decks"],
            empty=tuple((path, reason) for path, reason in s.get("empty", [])),
        )  # fmt: skip


def run(
    files: Sequence[NoteFile], out: Path, config: Config, now: int, options: BuildOptions = DEFAULTS
) -> BuildResult:
    """The stages over `files` (`find_notes`' list, or the one note `preview` shows): every
    command runs this, and only the sink differs (files and the lock, or memory for a dry run)."""
    if config.remote_images == "download" and config.downloads is None:
        if not options.write and not options.cache:  # a dry run writes nothing into `out`
            with tempfile.TemporaryDirectory(prefix="deckgen-images-") as folder:
                return run(files, out, replace(config, downloads=Path(folder)), now, options)
        config = replace(config, downloads=out / cache.IMAGES_NAME)  # beside the note cache
    stats = note_stats([f.file for f in files])  # before any note is read
    inputs = inputs_digest([f.file for f in files], config, stats)
    if not options.write and not options.cache:  # a dry run writes nothing: no writer to wait for
        return _run(files, out, config, now, options, (inputs, stats))
    try:
        # Before the lock is read, a second build sees the first's; the note cache is shared too.
        with exclusive(out, LOCK_WAIT), guard(options.lock if options.write else None, LOCK_WAIT):
            mark_output(out)  # a later run with another --out still skips this folder
            return _run(files, out, config, now, options, (inputs, stats))
    except OSError as exc:
        raise BuildError(_cannot_write(exc, out)) from None


def load_stages() -> None:
    """Load now what a build that reads a note loads when it first does (`_run`), and the
    language data: a `watch` that starts with nothing to do calls this, so that the first save
    pays no import."""
    from ..identity import lockfile, lockwrite  # noqa: F401
    from ..notes import media  # noqa: F401
    from ..rules.frequency import preload
    from ..write import package  # noqa: F401
    from . import settle  # noqa: F401

    preload()


def _run(
    files: Sequence[NoteFile], out: Path, config: Config, now: int, options: BuildOptions,
    seen: tuple[str, list[list[int]]],
) -> BuildResult:  # fmt: skip
    inputs, stats = seen
    notices: list[Problem] = []  # state files that could not be read: made anew
    state = last_state(out, notices)
    sig = signature(inputs, options.lock, media_now(state))
    if not options.every_card and (last := unchanged_summary(state, sig)) is not None:
        result = BuildResult.from_summary(last["summary"], last["problems"])
        _check_strict(result.problems, options)
        return result
    # The stages, loaded only now: a build that finds nothing changed never needs them.
    from ..identity.lockfile import open_lock
    from ..identity.lockwrite import finish
    from ..notes.media import forget_vaults
    from ..write.package import remove_stale
    from .settle import settings_digest, settle

    forget_vaults()  # `watch` builds again in one process: a vault's files may have changed
    lock = open_lock(options.lock)  # a broken lock stops us first
    if not options.write:  # the memory sink: the same stages, nothing staged
        got = settle(files, stats, out, config, now, options, lock, last_notes(out, notices), None)
        problems = got.problems + _move_warnings(got.plan)
        _check_strict(problems, options)
        return _result(got, [*problems, *notices])  # notices are said, not failed on, as below
    before = last_packages(state)
    with staged() as stage:
        got = settle(files, stats, out, config, now, options, lock, last_notes(out, notices), stage)
        problems = got.problems + _move_warnings(got.plan)
        _check_strict(problems, options)  # inside: nothing staged is put in place
    finish(lock, got.gone)  # the index is in place: its GUID lists, then what it dropped
    written = {name: str(info["digest"]) for name, info in got.packages.items()}
    result = _result(got, problems, tuple(remove_stale(out, before, written)), out)
    save_notes(out, settings_digest(config), got.packages, got.records)
    media = sorted({m for r in got.records.values() for m in r.media})
    save_state(out, signature(inputs, options.lock, media), {**result.summary(), "packages": written},
               [[p.source.path, p.source.line, p.message, p.unread] for p in result.problems],
               [path for path, _, _ in media])  # fmt: skip
    result = replace(result, problems=(*result.problems, *notices))  # said once: not kept in the state
    if lock.found < VERSION and options.lock is not None:  # said once: the next build reads format 2
        notice = (f"the lock was in format {lock.found} and is now in format {VERSION} (an index and "
                  f"{folder_of(options.lock).name}/, one file per note; no card changed identity) — "
                  "commit both")  # fmt: skip
        result = replace(
            result, problems=(*result.problems, Problem(SourceRef(str(options.lock), 0), notice))
        )
    return result


def _result(
    got: Outcome, problems: Sequence[Problem], removed: tuple[Path, ...] = (), out: Path | None = None
) -> BuildResult:
    """What the build found, from the records of every note (settled or not)."""
    records = got.records.values()
    kinds: Counter[str] = Counter()
    for r in records:
        kinds.update(r.kinds)
    order = sorted(got.packages, key=lambda name: min(got.packages[name]["decks"], default=""))
    return BuildResult(
        len(records), sum(r.cards for r in records), tuple(got.decks), tuple(problems),
        tuple(out / name for name in order) if out is not None else (), dict(sorted(kinds.items())),
        got.plan, deck_count=len({d for r in records for d in r.decks}), removed=removed,
        empty=tuple((p, r.empty) for p, r in got.records.items() if r.empty and not r.cards),
        claims=tuple(got.claims), retired=tuple(got.retired),
    )  # fmt: skip


def _check_strict(problems: Sequence[Problem], options: BuildOptions) -> None:
    if options.strict and problems:
        raise BuildError(f"{len(problems)} problem(s) and --strict is on:\n" + "\n".join(map(str, problems)))


def _move_warnings(plan: Plan) -> list[Problem]:
    moves: dict[tuple[str, str, str], int] = {}
    for c in plan.changes:
        if c.action == "moved":  # one warning per note and move, at its first card
            moves.setdefault((c.path, c.old_deck, c.deck), c.line)
    return [
        Problem(SourceRef(path, line), f"cards moved from deck '{old}' to '{new}' — Anki keeps cards "
                f"already imported in '{old}'; move them in Anki's browser: search deck:\"{old}\", "
                "select all, Change Deck")
        for (path, old, new), line in sorted(moves.items())
    ]  # fmt: skip


_ADVICE = {
    errno.ENOSPC: "check free space",
    errno.EDQUOT: "check free space (your disk quota is used up)",
    errno.EACCES: "check the folder's permissions",
    errno.EPERM: "check the folder's permissions",
    errno.EROFS: "the disk is read-only; choose another output folder",
    errno.ENAMETOOLONG: "the name is longer than the file system allows; shorten the source name or path",
}


def _cannot_write(exc: OSError, out: Path) -> str:
    """An OSError as the user should hear it: what failed, and the advice that fits."""
    advice = _ADVICE.get(exc.errno or 0, "check free space and permissions")
    return (
        f"{exc.filename or out}: cannot write ({exc.strerror or exc}) — {advice}; "
        "the previous decks and lock are unchanged"
    )
