"""`build()`: gather and check every note first, then write. mkdocs' build is the model."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import cache
from .cards import deck_part, make_face
from .config import Config
from .errors import BuildError, NoteError
from .extract import extract
from .files import exclusive, staged
from .identity import Draft, Entry, NoteEntry, Plan, reconcile
from .lockfile import dump_lock, read_lock, write_lock
from .model import Card, Deck, Face, Note, Problem, SourceRef
from .notes import MAX_NOTE_BYTES, read_note
from .state import last_state, save_state, signature, unchanged_summary
from .text import slug
from .write_apkg import note_type_text, write_package

RETIRED_TAG = "deckgen::retired"
RETIRED_NOTE = (
    "This claim is no longer in your notes. Find such cards with tag:deckgen::retired and delete "
    "them, then run deckgen prune."
)
LOCK_WAIT = 30.0
"""Seconds a second deckgen waits for the first to finish writing into the same folder."""
PARALLEL_FROM = 24
"""Below this many notes, starting worker processes costs more than it saves."""
Progress = Callable[[int, int], None]
"""Called with (notes done, notes in all) while reading."""


@dataclass(frozen=True, slots=True)
class NoteFile:
    """A Markdown file found under an input path."""

    path: Path
    display: str
    """The path shown in messages: relative to the folder given on the command line."""
    folder: str


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build read and wrote."""

    notes: int
    cards: int
    decks: tuple[Deck, ...]
    """The topic decks with their cards; empty when the build was `skipped`."""
    problems: tuple[Problem, ...]
    outputs: tuple[Path, ...] = ()
    kinds: dict[str, int] = field(default_factory=dict)
    plan: Plan = field(default_factory=Plan)
    skipped: bool = False
    """Nothing changed since the last build, so nothing was read or written."""
    deck_count: int = 0
    """How many topic decks the build has (kept apart from `decks`, which a skipped build lacks)."""

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "notes": self.notes, "cards": self.cards,
            "decks": self.deck_count,
            "kinds": self.kinds, "plan": self.plan.counts(), "warnings": [str(p) for p in self.problems],
            "outputs": [str(p) for p in self.outputs], "skipped": self.skipped,
        }  # fmt: skip

    @classmethod
    def from_summary(cls, s: dict[str, Any], problems: list[list[Any]]) -> BuildResult:
        """The result of a build that found nothing changed since the one that wrote `s`."""
        return cls(
            notes=s["notes"], cards=s["cards"], decks=(),
            problems=tuple(Problem(SourceRef(p, line), m, unread) for p, line, m, unread in problems),
            outputs=tuple(Path(p) for p in s["outputs"]), kinds=s["kinds"],
            plan=Plan(unchanged=s["cards"]), skipped=True, deck_count=s["decks"],
        )  # fmt: skip


def find_notes(paths: Sequence[Path]) -> list[NoteFile]:
    """Every `.md` file under `paths`, sorted; hidden folders and symlinked folders skipped."""
    found: list[NoteFile] = []
    for root in paths:
        if not root.is_dir() and os.path.lexists(root):  # a file, or a link or pipe read_note explains
            found.append(NoteFile(root, root.name, ""))
            continue
        if not root.is_dir():
            raise BuildError(f"{root}: no such file or folder — check the path")
        for dirpath, dirnames, filenames in os.walk(root):  # followlinks=False: no loops
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel = Path(dirpath).relative_to(root).as_posix()
            folder = "" if rel == "." else rel
            for name in sorted(filenames):
                if name.endswith(".md") and not name.startswith("."):
                    display = f"{folder}/{name}" if folder else name
                    found.append(NoteFile(Path(dirpath) / name, display, folder))
    return found


def read_notes(
    files: Sequence[NoteFile], progress: Progress | None = None
) -> tuple[list[Note], list[Problem]]:
    """Parse every file; a note that cannot be read becomes a problem, the others go on."""
    notes: list[Note] = []
    problems: list[Problem] = []
    for i, f in enumerate(files):
        try:
            note = read_note(f.path, f.display, f.folder)
        except NoteError as exc:
            problems.append(Problem(SourceRef(exc.path, exc.line), exc.message, unread=True))
        else:
            notes.append(note)
            problems.extend(note.problems)
        if progress:
            progress(i + 1, len(files))
    return notes, problems


def note_drafts(notes: Iterable[Note], config: Config) -> list[tuple[Note, list[Draft]]]:
    """Every note's claims with their faces, in reading order (identities not yet given)."""
    return [(note, [(claim, make_face(note, claim, config)) for claim in extract(note)]) for note in notes]


NoteResult = tuple[Note | None, list[Draft], list[Problem]]


def _read_and_extract(job: tuple[NoteFile, Config, Path | None, str]) -> NoteResult:
    """One note file → its cards; runs in a worker process, so it returns the note without its
    blocks (they are large and nothing after this step needs them)."""
    f, config, cache_dir, key = job
    notes, problems = read_notes([f])
    if not notes:
        return None, [], problems
    [(note, cards)] = note_drafts(notes, config)
    result: NoteResult = (replace(note, blocks=()), cards, problems)
    if cache_dir is not None and key:
        cache.store(cache_dir, key, result)
    return result


def _key(f: NoteFile, config: Config) -> str:
    """The note's cache key; '' for anything but a readable regular file of note size (a pipe
    would block the read, and read_note explains what is wrong with the others)."""
    try:
        st = f.path.stat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_NOTE_BYTES:
            return ""
        return cache.note_key(f.path.read_bytes(), f.display, f.folder, config)
    except OSError:
        return ""


def read_cards(
    files: Sequence[NoteFile], config: Config, jobs: int = 0, progress: Progress | None = None,
    cache_dir: Path | None = None,
) -> tuple[list[tuple[Note, list[Draft]]], list[Problem]]:  # fmt: skip
    """Read, extract and make cards for every file, on `jobs` processes (0: one per core), and
    take unchanged notes from `cache_dir`. The result is the same as
    `note_drafts(read_notes(files))`, in the same order."""
    keys = [_key(f, config) if cache_dir is not None else "" for f in files]
    results: list[NoteResult | None] = [
        cache.load(cache_dir, k) if cache_dir is not None and k else None for k in keys
    ]
    todo = [i for i, r in enumerate(results) if r is None]
    work = [(files[i], config, cache_dir, keys[i]) for i in todo]
    jobs = jobs or os.cpu_count() or 1
    pool = None
    fresh: Iterable[NoteResult]
    if jobs > 1 and len(work) >= PARALLEL_FROM:
        pool = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn").Pool(jobs)
        fresh = pool.imap(_read_and_extract, work, chunksize=8)
    else:
        fresh = map(_read_and_extract, work)
    try:
        for done, (i, result) in enumerate(zip(todo, fresh, strict=True)):
            results[i] = result
            if progress:
                progress(len(files) - len(todo) + done + 1, len(files))
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    if cache_dir is not None:
        cache.prune(cache_dir, set(keys))
    out: list[tuple[Note, list[Draft]]] = []
    problems: list[Problem] = []
    for got in results:
        assert got is not None  # every miss was filled in above
        note, cards, found = got
        problems += found
        if note is not None:
            out.append((note, cards))
    return out, problems


def make_cards(notes: Iterable[Note], config: Config) -> tuple[list[Card], list[Problem]]:
    """Cards for `notes` as a first build would give them (no lock)."""
    cards, _, _ = reconcile(note_drafts(notes, config), [], 0)
    return cards, []


def retired_card(path: str, e: Entry) -> Card:
    """A card whose claim left the notes: kept, marked, and tagged so the learner can delete it."""
    face = Face(
        kind=e.kind, deck=e.deck, tags=(RETIRED_TAG,), title="", section=(), lead="",  # type: ignore[arg-type]
        question=e.question, answer=e.answer, context=RETIRED_NOTE,
    )  # fmt: skip
    return Card(e.guid, e.mtime, e.key, face, path, 0, status="retired")


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


def group(cards: Iterable[Card]) -> tuple[Deck, ...]:
    """Cards → decks sorted by name, each deck's cards in reading order."""
    by_deck: dict[str, list[Card]] = {}
    for card in cards:
        by_deck.setdefault(card.deck, []).append(card)
    return tuple(Deck(name, tuple(cs)) for name, cs in sorted(by_deck.items()))


def package_files(decks: Sequence[Deck], out: Path, config: Config) -> dict[Path, list[Deck]]:
    """One `.apkg` per source (the first deck level under the root deck)."""
    skip = 1 if config.root else 0
    packages: dict[Path, list[Deck]] = {}
    for deck in decks:
        top = deck.name.split("::")[skip] if "::" in deck.name else deck.name
        packages.setdefault(out / f"{slug(deck_part(top), '-') or 'deck'}.apkg", []).append(deck)
    return packages


def build(
    paths: Sequence[Path], out: Path, config: Config, now: int, *, lock: Path | None = None,
    strict: bool = False, write: bool = True, keep_going: bool = True, jobs: int = 0,
    fast: bool = True, progress: Progress | None = None,
) -> BuildResult:  # fmt: skip
    """Read every note under `paths`, reconcile its cards with the `lock`, then write one
    `.apkg` per source and the new lock. With `write=False` it only returns the plan; with
    `keep_going=False` a note that cannot be read stops the build before anything is written.
    With `fast`, a build whose inputs are all as the last build saw them returns at once."""
    files = find_notes(paths)
    if not files:
        raise BuildError(f"no .md notes under {', '.join(map(str, paths))} — point deckgen at your notes")
    sig = signature([f.path for f in files], config, lock)
    if write and fast and (last := unchanged_summary(out, sig)) is not None:
        result = BuildResult.from_summary(last["summary"], last["problems"])
        if strict and result.problems:
            raise BuildError(
                f"{len(result.problems)} problem(s) and --strict is on:\n"
                + "\n".join(map(str, result.problems))
            )
        return result
    old = read_lock(lock) if lock is not None else []  # a broken lock stops us before any work
    per_note, problems = read_cards(files, config, jobs, progress, out / cache.CACHE_NAME)
    if not keep_going and (unread := [p for p in problems if p.unread]):
        raise BuildError("nothing written; fix these notes first:\n" + "\n".join(map(str, unread)))
    # a note that cannot be read right now keeps its cards' identities; it is not deleted
    keep = {p.source.path for p in problems if p.unread}
    cards, entries, plan = reconcile(per_note, old, now, keep)
    problems += _move_warnings(plan)
    decks = group(cards)
    kinds: dict[str, int] = dict(sorted(Counter(c.kind for c in cards).items()))
    if strict and problems:
        raise BuildError(f"{len(problems)} problem(s) and --strict is on:\n" + "\n".join(map(str, problems)))
    result = BuildResult(
        len(per_note), len(cards), decks, tuple(problems), (), kinds, plan, deck_count=len(decks)
    )
    if not write:
        return result
    retired = [retired_card(n.path, e) for n in entries for e in n.retired]
    packages = package_files(group([*cards, *retired]), out, config)
    try:
        with exclusive(out, LOCK_WAIT):
            written = _write(packages, entries, out, lock, now, config)
            save_state(out, signature([f.path for f in files], config, lock),
                       {**replace(result, outputs=tuple(packages)).summary(), "packages": written},
                       [[p.source.path, p.source.line, p.message, p.unread] for p in problems])  # fmt: skip
    except OSError as exc:
        raise BuildError(
            f"{exc.filename or out}: cannot write ({exc.strerror}) — check free space and "
            "permissions; the previous decks and lock are unchanged"
        ) from None
    return replace(result, outputs=tuple(packages))


def _write(
    packages: dict[Path, list[Deck]], entries: list[NoteEntry], out: Path, lock: Path | None, now: int,
    config: Config,
) -> dict[str, str]:  # fmt: skip
    """Stage the packages whose content changed and the lock, then put them all in place."""
    before = _package_digests(out)
    digests: dict[str, str] = {}
    with staged() as stage:
        for path, decks in packages.items():
            digests[path.name] = digest = package_digest(decks, config)
            if before.get(path.name) != digest or not path.is_file():
                write_package(decks, stage(path), now, config.templates)
        if lock is not None:
            stage(lock).write_text(dump_lock(entries), encoding="utf-8")
    return digests


def package_digest(decks: Sequence[Deck], config: Config) -> str:
    """What a package holds: when this is unchanged, the file on disk need not be written again."""
    h = hashlib.sha256(repr(note_type_text(config.templates)).encode())
    for deck in decks:
        h.update(deck.name.encode())
        for c in deck.cards:  # a card's mtime moves whenever its content changes
            h.update(f"{c.guid}\x1f{c.mtime}\x1f".encode())
    return h.hexdigest()


def _package_digests(out: Path) -> dict[str, str]:
    state = last_state(out)
    packages = state.get("summary", {}).get("packages", {}) if state else {}
    return packages if isinstance(packages, dict) else {}


def prune(lock: Path) -> int:
    """Forget retired claims (the learner has deleted their cards); returns how many."""
    entries = read_lock(lock)
    gone = sum(len(n.retired) for n in entries)
    write_lock(lock, [replace(n, retired=()) for n in entries if n.claims])
    return gone
