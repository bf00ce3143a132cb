"""deckgen.lock: round trip, a broken lock stops the build, prune."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REFERENCE
from deckgen.build import build, prune
from deckgen.cli import app
from deckgen.config import Config
from deckgen.errors import BuildError
from deckgen.lockfile import dump_lock, read_lock


@pytest.fixture
def built(tmp_path: Path) -> Path:
    shutil.copy(REFERENCE, tmp_path / "note.md")
    build([tmp_path / "note.md"], tmp_path / "out", Config(), 100, lock=tmp_path / "deckgen.lock")
    return tmp_path


def test_lock_round_trips_and_lists_every_card(built: Path) -> None:
    text = (built / "deckgen.lock").read_text(encoding="utf-8")
    notes = read_lock(built / "deckgen.lock")
    assert dump_lock(notes) == text
    [note] = notes
    assert note.path == "note.md" and len(note.claims) == 54
    assert text.count('"guid"') == 54  # one line per claim


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: t[:200], r"deckgen\.lock:\d+: the lock file is not valid JSON"),
        (lambda t: t.replace('"version": 1', '"version": 9'), "does not match deckgen's format"),
        (lambda t: t.replace('"guid"', '"gid"', 1), "does not match deckgen's format"),
    ],
)
def test_broken_lock_stops_the_build_and_changes_nothing(built: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    lock, apkg = built / "deckgen.lock", built / "out" / "the-dwarkesh-podcast.apkg"
    lock.write_text(damage(lock.read_text(encoding="utf-8")), encoding="utf-8")
    before = (lock.read_bytes(), apkg.read_bytes())
    with pytest.raises(BuildError, match=message) as err:
        build([built / "note.md"], built / "out", Config(), 200, lock=lock)
    assert "restore it from version control or a backup" in str(err.value)
    assert (lock.read_bytes(), apkg.read_bytes()) == before


def test_broken_lock_is_a_clear_cli_error(built: Path) -> None:
    (built / "deckgen.lock").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["build", str(built / "note.md"), "-o", str(built / "out"), "--lock", str(built / "deckgen.lock")],
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"deckgen: {built / 'deckgen.lock'}:1: the lock file is not valid JSON")


def test_prune_forgets_retired_claims(built: Path) -> None:
    note = built / "note.md"
    note.write_text(note.read_text(encoding="utf-8").replace("*   **Learned search algorithms:**", "Gone:"))
    build([note], built / "out", Config(), 200, lock=built / "deckgen.lock")
    assert any(n.retired for n in read_lock(built / "deckgen.lock"))
    assert prune(built / "deckgen.lock") >= 1
    assert not any(n.retired for n in read_lock(built / "deckgen.lock"))
