"""deckgen.lock: round trip, a broken lock stops the build, prune."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import REFERENCE
from deckgen import lockfile
from deckgen.build import BuildOptions, build, make_cards, prune
from deckgen.cli import app
from deckgen.config import Config
from deckgen.errors import BuildError
from deckgen.lockfile import dump_lock, read_lock
from deckgen.notes import read_note


@pytest.fixture
def built(tmp_path: Path) -> Path:
    shutil.copy(REFERENCE, tmp_path / "note.md")
    build(
        [tmp_path / "note.md"], tmp_path / "out", Config(), 100, BuildOptions(lock=tmp_path / "deckgen.lock")
    )
    return tmp_path


def test_lock_round_trips_and_lists_every_card(built: Path) -> None:
    text = (built / "deckgen.lock").read_text(encoding="utf-8")
    notes = read_lock(built / "deckgen.lock")
    assert dump_lock(notes) == text
    [note] = notes
    cards, _ = make_cards([read_note(built / "note.md", "note.md")], Config())
    assert note.path == "note.md" and [e.guid for e in note.claims] == [c.guid for c in cards]
    assert text.count('"guid"') == len(cards) > 0  # one line per claim


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: t[:200], r"deckgen\.lock:\d+: the lock file is not valid JSON"),
        (lambda t: t.replace('"version": 1', '"version": 0'), "does not match deckgen's format"),
        (lambda t: t.replace('"guid"', '"gid"', 1), "does not match deckgen's format"),
    ],
)
def test_broken_lock_stops_the_build_and_changes_nothing(
    built: Path, damage: Callable[[str], str], message: str
) -> None:
    lock, apkg = built / "deckgen.lock", built / "out" / "the-dwarkesh-podcast.apkg"
    lock.write_text(damage(lock.read_text(encoding="utf-8")), encoding="utf-8")
    before = (lock.read_bytes(), apkg.read_bytes())
    with pytest.raises(BuildError, match=message) as err:
        build([built / "note.md"], built / "out", Config(), 200, BuildOptions(lock=lock))
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
    text = note.read_text(encoding="utf-8")
    note.write_text("".join(line for line in text.splitlines(keepends=True) if "Cross-Lingual" not in line))
    build([note], built / "out", Config(), 200, BuildOptions(lock=built / "deckgen.lock"))
    assert any(n.retired for n in read_lock(built / "deckgen.lock"))
    assert prune(built / "deckgen.lock") >= 1
    assert not any(n.retired for n in read_lock(built / "deckgen.lock"))


def test_a_lock_newer_than_deckgen_is_refused(built: Path) -> None:
    lock = built / "deckgen.lock"
    lock.write_text(
        lock.read_text(encoding="utf-8").replace('"version": 1', '"version": 9'), encoding="utf-8"
    )
    with pytest.raises(BuildError, match=r"format 9, newer than this deckgen reads \(1\) — upgrade deckgen"):
        read_lock(lock)


def test_an_older_lock_is_migrated_and_written_back_in_the_new_format(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seam for the next format: VERSION goes up and MIGRATIONS gains the step from the last."""
    lock = built / "deckgen.lock"
    old = read_lock(lock)

    def to_2(data: dict[str, Any]) -> dict[str, Any]:
        for note in data["notes"].values():
            note["claims"] = [{**e, "hash": e["hash"].upper()} for e in note["claims"]]
        return data

    monkeypatch.setattr(lockfile, "VERSION", 2)
    monkeypatch.setattr(lockfile, "MIGRATIONS", {1: to_2})
    [note] = read_lock(lock)
    assert [e.hash for e in note.claims] == [e.hash.upper() for e in old[0].claims]
    assert [e.guid for e in note.claims] == [e.guid for e in old[0].claims]
    assert lockfile.migrate({"version": 1, "notes": {}}, 1) == {"version": 2, "notes": {}}
    assert '"version": 2' in dump_lock([note])
    monkeypatch.setattr(lockfile, "MIGRATIONS", {})
    with pytest.raises(BuildError, match=r"no migration from lock format 1"):
        read_lock(lock)


def test_prune_ranked_out_retires_only_cards_kept_for_the_learner(built: Path) -> None:
    lock = built / "deckgen.lock"
    build([built / "note.md"], built / "out", Config(cards="all"), 200, BuildOptions(lock=lock, fast=False))
    focused = build([built / "note.md"], built / "out", Config(), 300, BuildOptions(lock=lock, fast=False))
    ranked_out = focused.plan.count("ranked_out")
    assert ranked_out > 0 and focused.plan.count("retired") == 0  # going back to focused retires nothing
    assert sum(e.ranked_out for n in read_lock(lock) for e in n.claims) == ranked_out
    assert prune(lock, ranked_out=True) == ranked_out
    assert not any(e.ranked_out for n in read_lock(lock) for e in n.claims)
    assert sum(len(n.retired) for n in read_lock(lock)) == ranked_out
