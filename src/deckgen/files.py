"""Atomic output: every file deckgen writes appears whole or not at all."""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from .errors import BuildError

OUTPUT_MARK = ".deckgen-output"
"""The file deckgen leaves in each folder it writes decks or sheets into: a later run, with any
`--out`, never reads that folder's files as notes."""
TURN_FILE = ".deckgen-build.lock"
"""The file `exclusive` takes turns on: it marks an output folder or a lock's folder too."""
_MARK_TEXT = (
    b"deckgen writes into this folder; it never reads notes from it. "
    b"Delete this file if its notes are yours to build.\n"
)


def mark_output(folder: Path) -> None:
    """Leave `OUTPUT_MARK` in `folder` (once: an existing mark is not written again)."""
    mark = folder / OUTPUT_MARK
    if not mark.is_file():
        atomic_write(mark, _MARK_TEXT, durable=False)


def stamp(path: Path | str) -> tuple[int, int]:
    """A file's size and modification time (ns), or (-1, -1) when it cannot be looked at: what
    tells a build that a file changed without reading it."""
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`; renamed onto `path` when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the file from other users
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk (unless not `durable`),
    then rename it into place."""
    with atomic_target(path) as temporary, open(temporary, "wb") as file:
        file.write(data)
        if durable:
            file.flush()
            os.fsync(file.fileno())


@contextmanager
def staged() -> Iterator[Callable[[Path], Path]]:
    """Stage several files, then rename them all into place at once when the block succeeds.

    `stage(target)` gives a temporary path beside `target` to write to. If anything fails, the
    temporary files are removed and every target is left exactly as it was."""
    pending: list[tuple[Path, Path]] = []

    def stage(target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(handle)
        pending.append((Path(temporary), target))
        return Path(temporary)

    try:
        yield stage
        for temporary, target in pending:
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
    finally:
        for temporary, _ in pending:
            temporary.unlink(missing_ok=True)


@contextmanager
def exclusive(folder: Path, wait: float) -> Iterator[None]:
    """Only one deckgen writes into `folder` at a time; a second waits `wait` seconds, then fails."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(folder / TURN_FILE)
    try:
        lock.acquire(timeout=wait)
    except filelock.Timeout:
        raise BuildError(
            f"{folder}: another deckgen is writing here — wait for it to finish, or stop it"
        ) from None
    try:
        yield
    finally:
        lock.release()


PACKAGE = Path(__file__).parent
"""deckgen's own source folder."""


@functools.cache
def code_digest(package: Path = PACKAGE) -> str:
    """A digest of deckgen's own code, every module of every sub-package: after an upgrade an
    old cache entry or an old build state must not stand for what the new code would give."""
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(f"{path.relative_to(package).as_posix()}\x1f".encode())
        h.update(path.read_bytes())
    return h.hexdigest()
