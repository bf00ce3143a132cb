"""When a build may skip, what a dry run may touch, and two builds at once."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SEEDS
from deckgen import files
from deckgen.build import BuildOptions, BuildResult, build
from deckgen.build.discover import find_notes
from deckgen.cli import app
from deckgen.config import Config
from deckgen.model import Progress

NOW = 1_750_000_000
SAVED = ("cooled to a very low temperature", "cooled to near absolute zero")
"""An edit of the superconductors note that changes the context of one of its kept cards."""


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "notes")
    return tmp_path / "notes"


def files_in(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes (empty when the folder does not exist)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_unchanged_inputs_skip_the_build_and_only_changed_packages_are_rewritten(notes: Path) -> None:
    out, lock = notes.parent / "out", BuildOptions(lock=notes.parent / "deckgen.lock")
    first = build([notes], out, Config(), NOW, lock)
    stamps = {p.name: p.stat().st_mtime_ns for p in first.outputs}
    again = build([notes], out, Config(), NOW + 10, lock)
    assert again.skipped and again.cards == first.cards and again.outputs == first.outputs
    assert again.plan.counts()["unchanged"] == first.cards
    assert {p.name: p.stat().st_mtime_ns for p in again.outputs} == stamps
    note = notes / "superconductors_and_their_potential_applications.md"
    note.write_text(note.read_text(encoding="utf-8").replace(*SAVED))
    edited = build([notes], out, Config(), NOW + 20, lock)
    assert not edited.skipped and edited.plan.count("changed") >= 1
    rewritten = {p.name for p in edited.outputs if p.stat().st_mtime_ns != stamps[p.name]}
    assert rewritten == {"allin.apkg"}
    assert build([notes], out, Config(root="Talks"), NOW + 30, lock).skipped is False  # settings count


def test_a_note_saved_while_the_build_reads_is_rebuilt_next_time(notes: Path) -> None:
    """Issue item 1: the signature is taken before the notes are read, and that one is saved."""
    out, lock = notes.parent / "out", notes.parent / "deckgen.lock"
    note = notes / "superconductors_and_their_potential_applications.md"
    saved: list[int] = []

    def save_once(done: int, total: int) -> None:  # the learner saves while deckgen reads
        if not saved:
            note.write_text(note.read_text(encoding="utf-8").replace(*SAVED))
            os.utime(note, ns=(note.stat().st_atime_ns, note.stat().st_mtime_ns + 2_000_000_000))
            saved.append(done)

    build([notes], out, Config(), NOW, BuildOptions(lock=lock, progress=save_once, jobs=1))
    assert saved
    after = build([notes], out, Config(), NOW + 10, BuildOptions(lock=lock))
    assert not after.skipped
    assert any(SAVED[1] in c.face.answer + c.face.context for d in after.decks for c in d.cards)


def test_new_code_rebuilds_an_unchanged_vault(notes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue item 2: after an upgrade, neither the skip nor the note cache may reuse old work."""
    out = notes.parent / "out"
    build([notes], out, Config(), NOW)
    old_entries = {p.name for p in (out / ".deckgen-cache").glob("*/*.json")}
    assert build([notes], out, Config(), NOW).skipped
    monkeypatch.setattr(files, "code_digest", lambda package=files.PACKAGE: "the next release")
    upgraded = build([notes], out, Config(), NOW)
    assert not upgraded.skipped
    new_entries = {p.name for p in (out / ".deckgen-cache").glob("*/*.json")}
    assert len(new_entries) == len(find_notes([notes])) and not new_entries & old_entries


def test_code_digest_covers_every_module_of_sub_packages(tmp_path: Path) -> None:
    package = tmp_path / "deckgen"
    shutil.copytree(files.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    assert files.code_digest(package) == files.code_digest(files.PACKAGE)
    (package / "rules").mkdir(exist_ok=True)
    (package / "rules" / "a_new_rule.py").write_text("RULE = 1\n")
    with_rule = files.code_digest.__wrapped__(package)
    assert with_rule != files.code_digest(files.PACKAGE)
    (package / "rules" / "a_new_rule.py").write_text("RULE = 2\n")
    assert files.code_digest.__wrapped__(package) != with_rule


def test_a_dry_run_writes_nothing(notes: Path) -> None:
    """Issue item 3: `build --dry-run`, `diff` and `sheet` read the cache but never write it."""
    out = notes.parent / "out"
    dry = build([notes], out, Config(), NOW, BuildOptions(write=False))
    assert dry.cards > 0 and not out.exists()
    lock = BuildOptions(lock=notes.parent / "deckgen.lock")
    build([notes], out, Config(), NOW, lock)
    before = files_in(notes.parent)
    assert any(".deckgen-cache/" in name for name in before)
    one = notes / "reasoning_in_ai_models.md"
    one.write_text(one.read_text(encoding="utf-8").replace("reasonable behavior", "sensible behavior"))
    diff = build([one], out, Config(), NOW, replace(lock, write=False))  # `diff` of one note
    assert diff.plan.count("changed") >= 1
    assert files_in(notes.parent) == {
        **before,
        f"notes/{one.name}": one.read_bytes(),
    }  # no entry stored for the edit, none of the others pruned


def test_cli_diff_writes_nothing(notes: Path) -> None:
    out = notes.parent / "out"
    result = CliRunner().invoke(
        app, ["diff", str(notes), "-o", str(out), "--lock", str(notes.parent / "x.lock")]
    )
    assert result.exit_code == 0, result.output
    assert "added" in result.output and not out.exists() and not (notes.parent / "x.lock").exists()


def test_two_builds_at_once_do_not_both_add_every_card(notes: Path) -> None:
    """Issue item 8: the second build waits for the folder, then reads the lock the first wrote."""
    out, lock = notes.parent / "out", notes.parent / "deckgen.lock"
    first_reading, second_reading = threading.Event(), threading.Event()
    results: dict[str, BuildResult] = {}

    def first_progress(done: int, total: int) -> None:
        if not first_reading.is_set():
            first_reading.set()
            # Give the second build every chance to read the lock while this one reads notes:
            # it must not get that far until this build has written.
            second_reading.wait(timeout=1.5)

    def run(name: str, progress: Progress) -> None:
        results[name] = build([notes], out, Config(), NOW, BuildOptions(lock=lock, jobs=1, progress=progress))

    first = threading.Thread(target=run, args=("first", first_progress))
    first.start()
    assert first_reading.wait(timeout=30)
    second = threading.Thread(target=run, args=("second", lambda done, total: second_reading.set()))
    second.start()
    first.join(60)
    second.join(60)
    assert results["first"].plan.count("added") == results["first"].cards > 0
    assert results["second"].plan.count("added") == 0
    assert results["second"].plan.counts()["unchanged"] == results["first"].cards


def test_the_notes_state_is_read_once_per_process_until_it_changes_on_disk(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`watch` builds again and again in one process: the records it wrote are not read back,
    but a notes state changed by anything else (even to the same bytes) is."""
    from deckgen.build import state

    out, lock = tmp_path / "out", tmp_path / "deckgen.lock"
    build([notes], out, Config(), NOW, BuildOptions(lock=lock))
    read: list[object] = []
    real = state.Record.from_json

    def counted(cls: type, raw: object) -> object:
        read.append(raw)
        return real(raw)

    monkeypatch.setattr(state.Record, "from_json", classmethod(counted))
    edited = notes / "reasoning_in_ai_models.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    build([notes], out, Config(), NOW + 10, BuildOptions(lock=lock))
    assert read == []  # this process wrote it: its records are known
    saved = out / state.NOTES_NAME
    saved.write_bytes(saved.read_bytes())  # the same bytes, written by someone else
    edited.write_text(edited.read_text(encoding="utf-8") + "\nAnd another.\n", encoding="utf-8")
    result = build([notes], out, Config(), NOW + 20, BuildOptions(lock=lock))
    assert len(read) == result.notes  # read anew, every record


def test_a_build_collects_cycles_less_often_and_leaves_the_process_as_it_was(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from deckgen.build import run as run_module

    seen: list[tuple[int, int, int]] = []
    real = run_module.run

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "run", watched)
    before = gc.get_threshold()
    build([notes], tmp_path / "out", Config(), NOW, BuildOptions(lock=tmp_path / "deckgen.lock"))
    assert seen and seen[0][0] > before[0]  # a vault's records are not walked again and again
    assert gc.get_threshold() == before
