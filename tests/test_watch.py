"""deckgen watch: a save is rebuilt; a note broken mid-edit keeps the last good deck."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REFERENCE
from deckgen.build import BuildResult
from deckgen.build.watch import watch
from deckgen.config import Config, load_config
from deckgen.errors import BuildError, ConfigError, DeckgenError

Seen = list[tuple[BuildResult | DeckgenError, tuple[Path, ...]]]


def wait_for(predicate: Callable[[], object], seconds: float = 15.0) -> bool:
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
    seen: Seen = []
    stop = threading.Event()
    clock = iter(range(1_000, 10_000, 10))
    worker = threading.Thread(
        target=watch,
        args=([notes], out, Config(cards="all"), lambda: next(clock)),
        kwargs={"lock": tmp_path / "deckgen.lock", "on_build": lambda *a: seen.append(a), "stop": stop},
    )
    worker.start()
    try:
        assert wait_for(lambda: len(seen) == 1)
        apkg = out / "the-dwarkesh-podcast.apkg"
        first = apkg.read_bytes()
        time.sleep(0.3)  # let the watcher settle before the first save
        note.write_text(
            note.read_text(encoding="utf-8")
            + "\n* **Spring tide:** The largest tidal range, at new and full moon [01:05:00].\n"
        )
        assert wait_for(lambda: len(seen) >= 2)
        assert seen[0][1] == ()  # the first build has no trigger
        rebuilt, changed = seen[1]
        assert isinstance(rebuilt, BuildResult) and rebuilt.plan.count("added") >= 1
        assert [p.resolve() for p in changed] == [note.resolve()]
        assert apkg.read_bytes() != first
        good = apkg.read_bytes()
        note.write_text("---\ntitle: [broken\n---\ntext\n", encoding="utf-8")
        assert wait_for(lambda: len(seen) >= 3)
        assert isinstance(seen[2][0], DeckgenError) and "reasoning.md:2: front matter" in str(seen[2][0])
        assert apkg.read_bytes() == good
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()


def test_watch_reloads_the_settings_file_when_it_changes(tmp_path: Path) -> None:
    notes, out, settings = tmp_path / "notes", tmp_path / "out", tmp_path / "deckgen.yaml"
    notes.mkdir()
    (notes / "reasoning.md").write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    settings.write_text("root: Talks\n", encoding="utf-8")  # outside the watched folder
    seen: Seen = []
    stop = threading.Event()

    def load() -> Config:
        return load_config(settings)

    worker = threading.Thread(
        target=watch,
        args=([notes], out, load(), lambda: 1_000),
        kwargs={
            "lock": tmp_path / "deckgen.lock", "on_build": lambda *a: seen.append(a), "stop": stop,
            "config_file": settings, "reload": load,
        },
    )  # fmt: skip
    worker.start()
    try:
        assert wait_for(lambda: len(seen) == 1)
        first = seen[0][0]
        assert isinstance(first, BuildResult) and {d.name.split("::")[0] for d in first.decks} == {"Talks"}
        time.sleep(0.3)
        settings.write_text("root: Lectures\n", encoding="utf-8")
        assert wait_for(lambda: len(seen) >= 2)
        rebuilt, changed = seen[1]
        assert [p.resolve() for p in changed] == [settings.resolve()]
        assert isinstance(rebuilt, BuildResult) and rebuilt.plan.count("moved") == first.cards
        time.sleep(0.3)
        settings.write_text("root: [broken\n", encoding="utf-8")
        assert wait_for(lambda: len(seen) >= 3)
        assert isinstance(seen[2][0], ConfigError) and str(seen[2][0]).startswith(f"{settings}:1: ")
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()


def test_watch_on_a_missing_path_fails_before_watching(tmp_path: Path) -> None:
    seen: Seen = []
    with pytest.raises(BuildError, match="missing: no such file or folder"):
        watch(
            [tmp_path / "missing"],
            tmp_path / "out",
            Config(),
            lambda: 1,
            lock=None,
            on_build=lambda *a: seen.append(a),
        )
    assert seen == [] and not (tmp_path / "out").exists()


def test_watch_rebuilds_when_an_image_a_card_shows_is_replaced(tmp_path: Path) -> None:
    from test_media import media_names, name_of, png, vault

    root, out = vault(tmp_path), tmp_path / "out"
    seen: Seen = []
    stop = threading.Event()
    clock = iter(range(1_000, 10_000, 10))
    worker = threading.Thread(
        target=watch,
        args=([root], out, Config(), lambda: next(clock)),
        kwargs={"lock": tmp_path / "deckgen.lock", "on_build": lambda *a: seen.append(a), "stop": stop},
    )
    worker.start()
    try:
        assert wait_for(lambda: len(seen) == 1)
        first = seen[0][0]
        assert isinstance(first, BuildResult)
        time.sleep(0.3)  # let the watcher settle before the save
        heart, green = root / "attachments" / "heart.png", png(30, 200, 30)
        heart.write_bytes(green)
        assert wait_for(lambda: len(seen) >= 2)
        rebuilt, changed = seen[-1]
        assert isinstance(rebuilt, BuildResult) and [p.name for p in changed] == ["heart.png"]
        assert name_of(green) in media_names(rebuilt.outputs[0])
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
