"""deckgen watch: a save is rebuilt; a note broken mid-edit keeps the last good deck."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from conftest import REFERENCE
from deckgen.build import BuildResult
from deckgen.config import Config
from deckgen.errors import DeckgenError
from deckgen.watch import watch


def wait_for(predicate, seconds: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_watch_rebuilds_on_save_and_survives_a_broken_note(tmp_path: Path) -> None:
    notes, out = tmp_path / "notes", tmp_path / "out"
    notes.mkdir()
    note = notes / "reasoning.md"
    note.write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    seen: list[BuildResult | DeckgenError] = []
    stop = threading.Event()
    clock = iter(range(1_000, 10_000, 10))
    worker = threading.Thread(
        target=watch,
        args=([notes], out, Config(), lambda: next(clock)),
        kwargs={"lock": tmp_path / "deckgen.lock", "on_build": seen.append, "stop": stop},
    )
    worker.start()
    try:
        assert wait_for(lambda: len(seen) == 1)
        apkg = out / "the-dwarkesh-podcast.apkg"
        first = apkg.read_bytes()
        time.sleep(0.3)  # let the watcher settle before the first save
        note.write_text(
            note.read_text(encoding="utf-8") + "\n* **Tool Use:** Models call tools [01:05:00].\n"
        )
        assert wait_for(lambda: len(seen) >= 2)
        rebuilt = seen[1]
        assert isinstance(rebuilt, BuildResult) and rebuilt.plan.count("added") >= 1
        assert apkg.read_bytes() != first
        good = apkg.read_bytes()
        note.write_text("---\ntitle: [broken\n---\ntext\n", encoding="utf-8")
        assert wait_for(lambda: len(seen) >= 3)
        assert isinstance(seen[2], DeckgenError) and "reasoning.md:2: front matter" in str(seen[2])
        assert apkg.read_bytes() == good
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
