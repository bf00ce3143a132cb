"""`deckgen watch`: rebuild within about a second of a save (watchfiles does the waiting)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import watchfiles

from .build import BuildOptions, BuildResult, build
from .config import Config
from .errors import DeckgenError

DEBOUNCE_MS = 300
"""Saves closer together than this are one rebuild (editors write several times per save)."""


def _is_note(change: watchfiles.Change, path: str) -> bool:
    return path.endswith((".md", ".yaml"))


def watch(
    paths: Sequence[Path],
    out: Path,
    config: Config,
    now: Callable[[], int],
    *,
    lock: Path | None,
    on_build: Callable[[BuildResult | DeckgenError], None],
    stop: threading.Event | None = None,
) -> None:
    """Build now and after every change under `paths`, until `stop` is set.

    A note that cannot be read mid-edit stops that rebuild before anything is written, so the
    last good decks and lock stay; `on_build` hears about it and watching goes on."""

    def once() -> None:
        try:
            on_build(build(paths, out, config, now(), BuildOptions(lock=lock, keep_going=False)))
        except DeckgenError as exc:
            on_build(exc)

    once()
    for _ in watchfiles.watch(*paths, watch_filter=_is_note, debounce=DEBOUNCE_MS, step=50, stop_event=stop):
        once()
