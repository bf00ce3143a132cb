"""Every note file → its claims: read and run through the per-note stages, from the note cache
when it has them, else on the build's one process pool."""

from __future__ import annotations

import multiprocessing
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..cards.claims import NoteClaims, note_claims
from ..config import Config
from ..errors import NoteError
from ..identity.match import Taken, note_identity, reconcile_note
from ..lang import remember_function_words
from ..model import Card, Note, Problem, SourceRef
from ..notes import MAX_NOTE_BYTES, read_note
from ..notes.media import image_problems, unchanged
from ..rules.frequency import preload
from . import cache
from .discover import NoteFile

PARALLEL_FROM = 24
"""Below this many notes, starting worker processes costs more than it saves."""

DEFAULT_CONFIG = Config()
NoteResult = tuple[NoteClaims | None, list[Problem]]


def read_notes(
    files: Sequence[NoteFile], config: Config = DEFAULT_CONFIG
) -> tuple[list[Note], list[Problem]]:
    """Parse every file; a note that cannot be read becomes a problem, the others go on."""
    notes: list[Note] = []
    problems: list[Problem] = []
    for f in files:
        try:
            note = read_note(f.path, f.display, f.folder, config.separators, config.downloads)
        except NoteError as exc:
            problems.append(Problem(SourceRef(exc.path, exc.line), exc.message, unread=True))
        else:
            notes.append(note)
            problems.extend(note.problems)
    return notes, problems


def make_cards(notes: Iterable[Note], config: Config) -> tuple[list[Card], list[Problem]]:
    """Cards for `notes` as a first build would give them (no lock): the build's own per-note
    stages, without reading files."""
    taken = Taken()
    cards: list[Card] = []
    for note in notes:
        cards += reconcile_note(note_claims(note, config), note_identity(note), None, taken, 0)[0]
    return cards, []


def _read_one(f: NoteFile, config: Config) -> NoteResult:
    """One note file → its claims, through the per-note stages; runs in a worker process, so
    the note comes back without its blocks (large, and nothing after this step needs them)."""
    notes, problems = read_notes([f], config=config)
    if not notes:
        return None, problems
    claims = note_claims(notes[0], config)
    return claims, problems + image_problems(claims.note, (c for c, _ in claims.kept))


def note_key(f: NoteFile, config: Config) -> str:
    """The note's cache key; '' for anything but a readable regular file of note size (a pipe
    would block the read, and read_note explains what is wrong with the others)."""
    try:
        st = f.path.stat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_NOTE_BYTES:
            return ""
        return cache.note_key(f.path.read_bytes(), f.display, f.folder, config)
    except OSError:
        return ""


@dataclass(frozen=True, slots=True)
class Scanned:
    """What a build learns of a note before it settles it with the lock: light enough to hold
    for every note of a vault, while the claims wait in the cache."""

    key: str
    identity: str
    decks: tuple[str, ...]
    """The decks its cards would go into (kept and spare)."""
    problems: tuple[Problem, ...]
    unread: bool
    claims: NoteClaims | None = None
    """Held only when the cache could not keep them."""


def _scanned(key: str, result: NoteResult, stored: bool) -> Scanned:
    claims, problems = result
    if claims is None:
        return Scanned(key, "", (), tuple(problems), True)
    decks = tuple(sorted({face.deck for _, face in (*claims.kept, *claims.spare)}))
    return Scanned(key, note_identity(claims.note), decks, tuple(problems), False, None if stored else claims)


def _scan(job: tuple[NoteFile, Config, Path | None, str]) -> Scanned:
    """`_read_one` in a worker, returning only what `Scanned` keeps: the claims go into the
    cache (`cache_dir`, None to store nothing), not back through the pipe."""
    f, config, cache_dir, key = job
    result = _read_one(f, config)
    if result[0] is None:
        return _scanned(key, result, True)
    stored = bool(key) and cache_dir is not None and cache.store(cache_dir, key, result)
    return _scanned(key, result, stored)


def scan(
    files: Sequence[NoteFile], todo: Sequence[int], keys: Sequence[str], config: Config, cache_dir: Path,
    jobs: int = 0, store: bool = True,
) -> Iterator[tuple[int, Scanned]]:  # fmt: skip
    """Scan the files at the indexes `todo`: from the cache when it has them, else read on `jobs`
    processes (the one pool of a build) and, with `store`, stored in it; in order."""
    misses = []
    for i in todo:
        hit = _cached(cache_dir, keys[i])
        if hit is not None:
            yield i, _scanned(keys[i], hit, True)
        else:
            misses.append(i)
    if misses and store:  # before the workers fork: they share the words (a dry run writes nothing)
        remember_function_words(cache_dir)
    work = [(files[i], config, cache_dir if store else None, keys[i]) for i in misses]
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(work) < PARALLEL_FROM:
        yield from zip(misses, map(_scan, work), strict=True)
        return
    preload()
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with context.Pool(jobs) as pool:
        yield from zip(misses, pool.imap(_scan, work, chunksize=8), strict=True)
        pool.close()
        pool.join()


def load_claims(f: NoteFile, key: str, config: Config, cache_dir: Path) -> NoteClaims | None:
    """A note's claims from the cache, or read again when the cache lost them."""
    hit = _cached(cache_dir, key)
    result: NoteResult = hit if hit is not None else _read_one(f, config)
    return result[0]


def _cached(cache_dir: Path, key: str) -> NoteResult | None:
    """The cache's result for `key`, unless it has none or an image the note embeds has been
    replaced since (the cache key holds the note's bytes, not its images')."""
    hit: NoteResult | None = cache.load(cache_dir, key, NoteResult) if key else None
    if hit is not None and hit[0] is not None and not unchanged(hit[0].media):
        return None
    return hit
