"""The lock under kills and races: a build killed at any rename, or two builds sharing one lock
with different output folders, never changes a card's identity (issue 22, items 2 and 3)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from anki_check import import_apkg, open_collection
from deckgen.build import BuildOptions, build
from deckgen.config import Config
from deckgen.identity.lockfile import Lock, guids_of, open_lock, read_lock

NOW = 1_800_000_000


class Killed(BaseException):
    """A kill -9: nothing after it runs (no `except Exception` catches it, and the temporary
    files a killed process would leave behind do not matter to the next build)."""


def _write_notes(notes: Path, extra: bool) -> None:
    for source, count in (("a", 2), ("b", 1)):
        (notes / source).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            (notes / source / f"n{i}.md").write_text(
                f"# T{source}{i}\n\n- **Word{source}{i}x:** a river stone that is salt\n"
                f"- **Word{source}{i}y:** a bread oven that is hot\n", encoding="utf-8"
            )  # fmt: skip
    if extra:  # a new note, and a new claim in an old one
        (notes / "a" / "new.md").write_text(
            "# Tnew\n\n- **Freshword:** a copper kettle that sings\n- **Otherword:** a glass bell\n",
            encoding="utf-8",
        )
        first = notes / "a" / "n0.md"
        first.write_text(first.read_text("utf-8") + "- **Newclaimz:** a kappa theta that is sigma\n", "utf-8")


def _build(root: Path, now: int, monkeypatch: pytest.MonkeyPatch, kill_at: int = -1) -> int:
    """Build `root/notes` into `root/out` with `root/deckgen.lock`, killed before its rename
    number `kill_at` (the note cache's renames aside); returns how many renames it made."""
    real, done = os.replace, [0]

    def replace(source: Any, target: Any) -> None:
        if ".deckgen-cache" not in str(target):
            if done[0] == kill_at:
                raise Killed
            done[0] += 1
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    try:
        build([root / "notes"], root / "out", Config(), now, BuildOptions(lock=root / "deckgen.lock", jobs=1))
    except Killed:
        pass
    finally:
        monkeypatch.setattr(os, "replace", real)
    return done[0]


def _identities(lock: Path) -> dict[tuple[str, str], str]:
    return {(n.path, e.key): e.guid for n in read_lock(lock) for e in (*n.claims, *n.retired)}


def _packages(out: Path) -> list[Path]:
    return sorted(out.glob("*.apkg"))


@pytest.mark.parametrize("incremental", [False, True], ids=["cold", "incremental"])
def test_a_kill_at_any_rename_changes_no_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, incremental: bool
) -> None:
    """Killed after k of the build's n renames, for every k, the next build gives every claim
    the GUID an uninterrupted build gives it, and importing every package either build put in
    place duplicates nothing."""
    reference = tmp_path / "reference"
    _write_notes(reference / "notes", extra=False)
    if incremental:
        _build(reference, NOW, monkeypatch)
        base = tmp_path / "base"
        shutil.copytree(reference, base)
        _write_notes(reference / "notes", extra=True)
    renames = _build(reference, NOW + 100, monkeypatch)
    expected = _identities(reference / "deckgen.lock")
    assert renames > 5 and len(set(expected.values())) == len(expected) >= 6
    for k in range(renames):
        root = tmp_path / f"cut{k}"
        if incremental:
            shutil.copytree(base, root)
            _write_notes(root / "notes", extra=True)
        else:
            _write_notes(root / "notes", extra=False)
        before = [p.read_bytes() for p in _packages(root / "out")]
        _build(root, NOW + 100, monkeypatch, kill_at=k)
        cut = [p.read_bytes() for p in _packages(root / "out")]
        _build(root, NOW + 200, monkeypatch)
        assert _identities(root / "deckgen.lock") == expected, f"killed before rename {k + 1} of {renames}"
        opened = open_lock(root / "deckgen.lock")
        assert all(opened.holds(g) for g in guids_of(opened.entries()))
        col = open_collection(tmp_path / f"col{k}" / "collection.anki2")
        try:
            for i, data in enumerate([*before, *cut, *(p.read_bytes() for p in _packages(root / "out"))]):
                package = tmp_path / f"col{k}" / f"{i}.apkg"
                package.write_bytes(data)
                import_apkg(col, package)
            assert col.note_count() == len(set(expected.values()))
        finally:
            col.close()


def test_two_builds_sharing_a_lock_with_different_outputs_give_one_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read the lock before either writes it (when nothing stops the second): each would
    mint the new claims' GUIDs, and the second, seeing the first's on the GUID list, others."""
    reference = tmp_path / "reference"
    _write_notes(reference / "notes", extra=False)
    _build(reference, NOW, monkeypatch)
    shutil.copytree(reference, tmp_path / "shared")
    _write_notes(reference / "notes", extra=True)
    _build(reference, NOW, monkeypatch)
    expected = _identities(reference / "deckgen.lock")
    root = tmp_path / "shared"
    _write_notes(root / "notes", extra=True)
    real_holds, b_reads, a_done = Lock.holds, threading.Event(), threading.Event()

    def holds(self: Lock, guid: str) -> bool:
        if threading.current_thread().name == "b" and not b_reads.is_set():
            b_reads.set()  # b has read the index and gives its first new GUID: let a run first
            a_done.wait(timeout=3)
        return real_holds(self, guid)

    monkeypatch.setattr(Lock, "holds", holds)
    results: dict[str, Any] = {}

    def run(out: str) -> None:
        results[out] = build(
            [root / "notes"], root / out, Config(), NOW, BuildOptions(lock=root / "deckgen.lock", jobs=1)
        )
        if out == "a":
            a_done.set()

    b = threading.Thread(target=run, args=("b",), name="b")
    b.start()
    assert b_reads.wait(timeout=60)
    a = threading.Thread(target=run, args=("a",), name="a")
    a.start()
    for t in (a, b):
        t.join()
    assert set(results) == {"a", "b"}
    monkeypatch.setattr(Lock, "holds", real_holds)
    assert _identities(root / "deckgen.lock") == expected
    for out in ("a", "b"):
        cards = {(c.note_path, c.key): c.guid for d in results[out].decks for c in d.cards}
        assert cards == expected
    again = build([root / "notes"], root / "a", Config(), NOW + 100,
                  BuildOptions(lock=root / "deckgen.lock", every_card=True))  # fmt: skip
    assert again.plan.count("added") == 0 and again.plan.count("unchanged") == len(expected)
