"""The build: find the notes, skip the settled ones, run every other note through the stages
(notes → rules → rank → cards → identity) and hand the result to a sink (packages and the lock,
or memory for a dry run).

This module stays light (`import deckgen` loads it): the stages are imported when `build()`
runs, and `BuildResult` when first asked for.
"""

from __future__ import annotations

import gc
import importlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .options import DEFAULTS, BuildOptions

if TYPE_CHECKING:
    from ..config import Config
    from .run import BuildResult

__all__ = ["BuildOptions", "BuildResult", "build"]


def build(
    paths: Sequence[Path], out: Path, config: Config, now: int, options: BuildOptions = DEFAULTS
) -> BuildResult:
    """Read every note under `paths`, settle its cards with the lock, then write one `.apkg`
    per source and the new lock (see `BuildOptions` for dry runs, strictness and speed)."""
    from ..errors import BuildError
    from ..identity.lockformat import folder_of
    from .discover import find_notes
    from .run import run

    own = [out, *([folder_of(options.lock)] if options.lock is not None else [])]
    with _few_collections():
        files = find_notes(paths, config.exclude, own)
        if not files:
            raise BuildError(f"no .md notes under {', '.join(map(str, paths))} — point deckgen at your notes")
        return run(files, out, config, now, options)


@contextmanager
def _few_collections() -> Iterator[None]:
    """A build holds a vault's worth of long-lived objects (each note's record, the lock's rows):
    at Python's default thresholds the cycle collector walks them all again and again, a third of
    a one-note rebuild of the public vault. They hold no cycles, so collect less often while
    builds run; the process's own thresholds come back when the last one ends (builds may run
    in several threads at once)."""
    global _running, _thresholds
    with _gc_lock:
        if not _running:
            _thresholds = gc.get_threshold()
            gc.set_threshold(50_000, 20, 100)
        _running += 1
    try:
        yield
    finally:
        with _gc_lock:
            _running -= 1
            if not _running:
                gc.set_threshold(*_thresholds)


_gc_lock = threading.Lock()
_running = 0
_thresholds = gc.get_threshold()


def __getattr__(name: str) -> Any:
    if name != "BuildResult":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module(".run", __name__).BuildResult
