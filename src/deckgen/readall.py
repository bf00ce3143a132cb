"""Every note file → its cards: the cache-aware, optionally parallel read of the whole input."""

from __future__ import annotations

import multiprocessing
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from . import cache
from .cards import make_face
from .config import Config
from .discover import NoteFile
from .empty import empty_reason
from .errors import NoteError
from .identity import Draft, NoteClaims, claim_text, note_identity, reconcile
from .lang import remember_function_words
from .model import Candidate, Card, Note, Problem, SourceRef
from .notes import MAX_NOTE_BYTES, read_note
from .notes.media import image_problems, stamps, unchanged
from .options import Progress
from .rank import Ranking, rank
from .rules import Flashcards, candidates
from .rules.common import zipf

PARALLEL_FROM = 24
"""Below this many notes, starting worker processes costs more than it saves."""

DEFAULT_CONFIG = Config()
NoteResult = tuple[NoteClaims | None, list[Problem]]


def read_notes(
    files: Sequence[NoteFile], progress: Progress | None = None, config: Config = DEFAULT_CONFIG
) -> tuple[list[Note], list[Problem]]:
    """Parse every file; a note that cannot be read becomes a problem, the others go on."""
    notes: list[Note] = []
    problems: list[Problem] = []
    for i, f in enumerate(files):
        try:
            note = read_note(f.path, f.display, f.folder, config.separators)
        except NoteError as exc:
            problems.append(Problem(SourceRef(exc.path, exc.line), exc.message, unread=True))
        else:
            notes.append(note)
            problems.extend(note.problems)
        if progress:
            progress(i + 1, len(files))
    return notes, problems


def note_claims(note: Note, config: Config) -> NoteClaims:
    """A note's candidates, ranked, with what each card would show (identities not yet given)."""
    found = candidates(note, flashcards=flashcards(config))
    ranking = rank(note, found, config.cards, config.cap, _generate(note, config))

    def drafts(chosen: Iterable[Candidate]) -> tuple[Draft, ...]:
        return tuple((c.claim, make_face(note, c.claim, config)) for c in chosen)

    keys = {c.claim.key for c in found}
    keys |= {f"term:{k[4:]}" for k in keys if k.startswith("def:")}  # a term is asked one way or the
    keys |= {f"def:{k[5:]}" for k in keys if k.startswith("term:")}  # other: both are still there
    texts = tuple(claim_text(c.claim.question, c.claim.answer or c.claim.context) for c in found)
    present = (*sorted(keys), *texts)
    reason = empty_reason(note, ranking)  # before the blocks go: the reason looks at them
    # The blocks and hand-written cards are large and nothing after this needs them: the cache
    # and the worker processes' pipes carry the claims.
    slim = replace(note, blocks=(), explicit=None)
    return NoteClaims(slim, drafts(ranking.kept), drafts(ranking.spare), present, reason, stamps(note))


def explain(note: Note, config: Config) -> Ranking:
    """Every candidate of one note and what became of it (for `preview --why`)."""
    found = candidates(note, flashcards=flashcards(config))
    return rank(note, found, config.cards, config.cap, _generate(note, config))


def flashcards(config: Config) -> Flashcards:
    """What makes Spaced Repetition cards under `config`."""
    marks = "=" * config.cloze_highlight + "*" * config.cloze_bold + "{" * config.cloze_curly
    return Flashcards(config.flashcard_tags, marks)


def _generate(note: Note, config: Config) -> bool:
    """Whether a note with hand-written cards also gets generated ones: its front matter says,
    else `deckgen.yaml`."""
    said = note.explicit.generate if note.explicit is not None else None
    return config.generate if said is None else said


def note_drafts(notes: Iterable[Note], config: Config) -> list[NoteClaims]:
    """Every note's ranked claims, in reading order."""
    return [note_claims(note, config) for note in notes]


def make_cards(notes: Iterable[Note], config: Config) -> tuple[list[Card], list[Problem]]:
    """Cards for `notes` as a first build would give them (no lock)."""
    cards, _, _ = reconcile(note_drafts(notes, config), [], 0)
    return cards, []


def _read_and_extract(job: tuple[NoteFile, Config, Path | None, str]) -> NoteResult:
    """One note file → its cards; runs in a worker process, so it returns the note without its
    blocks (they are large and nothing after this step needs them). With a `cache_dir` it
    also stores the result there."""
    f, config, cache_dir, key = job
    notes, problems = read_notes([f], config=config)
    if not notes:
        return None, problems
    claims = note_claims(notes[0], config)
    result: NoteResult = (claims, problems + image_problems(claims))
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
    cache_dir: Path | None = None, store: bool = True,
) -> tuple[list[NoteClaims], list[Problem]]:  # fmt: skip
    """Read, extract and make cards for every file, on `jobs` processes (0: one per core), and
    take unchanged notes from `cache_dir`. With `store`, new results go into the cache and
    entries this read did not use are pruned; without it the cache is only read. The result
    is the same as `note_drafts(read_notes(files))`, in the same order."""
    keys = [_key(f, config) if cache_dir is not None else "" for f in files]
    results: list[NoteResult | None] = [
        _cached(cache_dir, k) if cache_dir is not None else None for k in keys
    ]
    todo = [i for i, r in enumerate(results) if r is None]
    if todo and cache_dir is not None and store:  # a dry run writes nothing, not even this
        remember_function_words(cache_dir)
    store_in = cache_dir if store else None
    work = [(files[i], config, store_in, keys[i]) for i in todo]
    for done, (i, result) in enumerate(zip(todo, _run(work, jobs), strict=True)):
        results[i] = result
        if progress:
            progress(len(files) - len(todo) + done + 1, len(files))
    if store_in is not None:
        cache.prune(store_in, set(keys))
    out: list[NoteClaims] = []
    problems: list[Problem] = []
    for got in results:
        assert got is not None  # every miss was filled in above
        claims, found = got
        problems += found
        if claims is not None:
            out.append(claims)
    return out, problems


def _run(work: list[tuple[NoteFile, Config, Path | None, str]], jobs: int) -> Iterable[NoteResult]:
    """`_read_and_extract` over `work` in order: in worker processes when there is enough."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(work) < PARALLEL_FROM:
        yield from map(_read_and_extract, work)
        return
    zipf("the")  # load the word frequencies once, before forking, so the workers share them
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with context.Pool(jobs) as pool:
        yield from pool.imap(_read_and_extract, work, chunksize=8)
        pool.close()
        pool.join()


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


def _scan(job: tuple[NoteFile, Config, Path, str]) -> Scanned:
    """`_read_and_extract` in a worker, returning only what `Scanned` keeps: the claims go into
    the cache, not back through the pipe."""
    f, config, cache_dir, key = job
    result = _read_and_extract((f, config, None, ""))
    if result[0] is None:
        return _scanned(key, result, True)
    return _scanned(key, result, bool(key) and cache.store(cache_dir, key, result))


def scan(
    files: Sequence[NoteFile], todo: Sequence[int], keys: Sequence[str], config: Config, cache_dir: Path,
    jobs: int = 0,
) -> Iterator[tuple[int, Scanned]]:  # fmt: skip
    """Scan the files at the indexes `todo`: from the cache when it has them, else read on `jobs`
    processes and stored in it; in order."""
    misses = []
    for i in todo:
        hit = _cached(cache_dir, keys[i])
        if hit is not None:
            yield i, _scanned(keys[i], hit, True)
        else:
            misses.append(i)
    if misses:  # before the workers fork: they share the words
        remember_function_words(cache_dir)
    work = [(files[i], config, cache_dir, keys[i]) for i in misses]
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(work) < PARALLEL_FROM:
        yield from zip(misses, map(_scan, work), strict=True)
        return
    zipf("the")
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with context.Pool(jobs) as pool:
        yield from zip(misses, pool.imap(_scan, work, chunksize=8), strict=True)
        pool.close()
        pool.join()


def load_claims(f: NoteFile, key: str, config: Config, cache_dir: Path) -> NoteClaims | None:
    """A note's claims from the cache, or read again when the cache lost them."""
    hit = _cached(cache_dir, key)
    result: NoteResult = hit if hit is not None else _read_and_extract((f, config, None, ""))
    return result[0]


def _cached(cache_dir: Path, key: str) -> NoteResult | None:
    """The cache's result for `key`, unless it has none or an image the note embeds has been
    replaced since (the cache key holds the note's bytes, not its images')."""
    hit: NoteResult | None = cache.load(cache_dir, key, NoteResult) if key else None
    if hit is not None and hit[0] is not None and not unchanged(hit[0].media):
        return None
    return hit


def note_key(f: NoteFile, config: Config) -> str:
    """The note's cache key ('' when it cannot be read as a note)."""
    return _key(f, config)
