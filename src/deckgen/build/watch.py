"""`deckgen watch`: rebuild within about a second of a save (watchfiles does the waiting)."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import watchfiles

from ..config import Config
from ..errors import BuildError, DeckgenError
from ..notes.inline import IMAGE_FILE
from . import build
from .options import BuildOptions
from .run import BuildResult, load_stages

DEBOUNCE_MS = 300
"""Saves closer together than this are one rebuild (editors write several times per save)."""
OnBuild = Callable[[BuildResult | DeckgenError, tuple[Path, ...]], None]
"""Hears each build's outcome and the files whose change started it (none for the first build)."""


def watch(
    paths: Sequence[Path],
    out: Path,
    config: Config,
    now: Callable[[], int],
    *,
    lock: Path | None,
    on_build: OnBuild,
    stop: threading.Event | None = None,
    strict: bool = False,
    config_file: Path | None = None,
    reload: Callable[[], Config] | None = None,
) -> None:
    """Build now and after every change under `paths`, until `stop` is set.

    A note that cannot be read mid-edit stops that rebuild before anything is written, so the
    last good decks and lock stay; `on_build` hears about it and watching goes on. When
    `config_file` changes, `reload` reads the settings again before the rebuild."""
    if missing := [p for p in paths if not os.path.lexists(p)]:
        raise BuildError(f"{missing[0]}: no such file or folder — check the path; nothing is watched")
    settings = config
    settings_file = config_file.resolve() if config_file is not None else None

    def once(changed: tuple[Path, ...]) -> None:
        nonlocal settings
        try:
            if reload is not None and settings_file in {p.resolve() for p in changed}:
                settings = reload()  # a broken file is reported; the last good settings stay
            options = BuildOptions(lock=lock, strict=strict, keep_going=False)
            on_build(build(paths, out, settings, now(), options), changed)
        except DeckgenError as exc:
            on_build(exc, changed)
        # What the process keeps between builds (the notes' records, the loaded stages) stays:
        # out of the cycle collector's way, so that it is not walked again at every save.
        gc.freeze()

    def wanted(change: watchfiles.Change, path: str) -> bool:
        if path.endswith(".md") or IMAGE_FILE.search(path):  # a card shows a replaced image anew
            return True
        return settings_file is not None and Path(path).resolve() == settings_file

    targets = list(paths)
    if settings_file is not None and settings_file.is_file() and not _below(settings_file, paths):
        targets.append(settings_file)
    once(())
    load_stages()  # (the first build may have found nothing to read)
    for changes in watchfiles.watch(
        *targets, watch_filter=wanted, debounce=DEBOUNCE_MS, step=50, stop_event=stop
    ):
        once(tuple(sorted({Path(path) for _, path in changes})))


def _below(file: Path, folders: Sequence[Path]) -> bool:
    return any(folder.is_dir() and file.is_relative_to(folder.resolve()) for folder in folders)
