"""deckgen.lock: round trip, a broken lock stops the build, prune."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import REFERENCE, SEEDS, TESTS
from deckgen.build import BuildOptions, build
from deckgen.build.readall import make_cards
from deckgen.cli import app
from deckgen.config import Config
from deckgen.errors import BuildError
from deckgen.identity import lockfile, lockformat, lockwrite
from deckgen.identity.lockfile import read_lock
from deckgen.identity.lockwrite import dump_lock
from deckgen.identity.retire import prune
from deckgen.notes import read_note

LOCKS = TESTS / "fixtures" / "locks"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    shutil.copy(REFERENCE, tmp_path / "note.md")
    build(
        [tmp_path / "note.md"], tmp_path / "out", Config(), 100, BuildOptions(lock=tmp_path / "deckgen.lock")
    )
    return tmp_path


def test_lock_round_trips_and_lists_every_card(built: Path) -> None:
    lock = built / "deckgen.lock"
    notes = read_lock(lock)
    [note] = notes
    file = lockfile.entry_file(lock, "note.md")
    text = file.read_text(encoding="utf-8")
    assert dump_lock(notes) == lock.read_text(encoding="utf-8") + text
    cards, _ = make_cards([read_note(built / "note.md", "note.md")], Config())
    assert note.path == "note.md" and [e.guid for e in note.claims] == [c.guid for c in cards]
    assert len(text.splitlines()) == len(cards) + 1 > 1  # a header, then one line per claim
    lists = [f for f in (lockformat.folder_of(lock) / "guids").iterdir() if not f.name.startswith(".")]
    held = {g for f in lists for g in f.read_text().split()}
    assert held == {c.guid for c in cards}


def _damage_index(old: str, new: str) -> Callable[[Path], None]:
    def damage(lock: Path) -> None:
        lock.write_text(lock.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")

    return damage


def _cut_index(lock: Path) -> None:
    lock.write_text(lock.read_text(encoding="utf-8")[:5], encoding="utf-8")


def _damage_entry(lock: Path) -> None:
    file = lockfile.entry_file(lock, "note.md")
    lines = file.read_text(encoding="utf-8").splitlines()
    file.write_text(
        "\n".join([*lines[:2], lines[2].replace('"sentence", ', "", 1), *lines[3:]]), encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_cut_index, r"deckgen\.lock:\d+: the lock file is not valid JSON"),
        (_damage_index('"version": 2', '"version": 0'), "does not match deckgen's format"),
        (_damage_index('["note.md"', '{"note.md"'), "does not match deckgen's format"),
        (_damage_entry, r"\.jsonl:3: this part of the lock does not match deckgen's format"),
    ],
)
def test_broken_lock_stops_the_build_and_changes_nothing(
    built: Path, damage: Callable[[Path], None], message: str
) -> None:
    lock, apkg = built / "deckgen.lock", built / "out" / "the-dwarkesh-podcast.apkg"
    damage(lock)
    entry = lockfile.entry_file(lock, "note.md")
    before = (lock.read_bytes(), entry.read_bytes(), apkg.read_bytes())
    with pytest.raises(BuildError, match=message) as err:
        build([built / "note.md"], built / "out", Config(), 200, BuildOptions(lock=lock, every_card=True))
    assert "restore it from version control or a backup" in str(err.value)
    assert (lock.read_bytes(), entry.read_bytes(), apkg.read_bytes()) == before


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
        lock.read_text(encoding="utf-8").replace('"version": 2', '"version": 9'), encoding="utf-8"
    )
    with pytest.raises(BuildError, match=r"format 9, newer than this deckgen reads \(2\) — upgrade deckgen"):
        read_lock(lock)


def test_an_older_lock_is_migrated_and_written_back_in_the_new_format(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seam for the next format: VERSION goes up and MIGRATIONS gains the step from the
    last, applied to each note's entries as they are read."""
    lock = built / "deckgen.lock"
    old = read_lock(lock)

    def to_3(data: dict[str, Any]) -> dict[str, Any]:
        for note in data["notes"].values():
            note["claims"] = [{**e, "hash": e["hash"].upper()} for e in note["claims"]]
        return data

    for module in (lockformat, lockfile, lockwrite):  # each reads the version it imported
        monkeypatch.setattr(module, "VERSION", 3)
    monkeypatch.setattr(lockformat, "MIGRATIONS", {**lockformat.MIGRATIONS, 2: to_3})
    [note] = read_lock(lock)
    assert [e.hash for e in note.claims] == [e.hash.upper() for e in old[0].claims]
    assert [e.guid for e in note.claims] == [e.guid for e in old[0].claims]
    assert lockformat.migrate({"version": 2, "notes": {}}, 2) == {"version": 3, "notes": {}}
    assert dump_lock([note]).startswith('{"version": 3')
    monkeypatch.setattr(lockformat, "MIGRATIONS", {1: lockformat.MIGRATIONS[1]})
    with pytest.raises(BuildError, match=r"no migration from lock format 2"):
        read_lock(lock)


def test_a_format_1_lock_migrates_once_with_a_notice(tmp_path: Path) -> None:
    """0.1.0's single JSON file becomes the index and one file per note; no GUID changes."""
    lock = tmp_path / "deckgen.lock"
    shutil.copy(LOCKS / "seeds-0.1.0.lock", lock)
    old = read_lock(lock)
    first = build([SEEDS], tmp_path / "out", Config(), 2_000_000_000, BuildOptions(lock=lock))
    notices = [p for p in first.problems if "the lock was in format 1 and is now in format 2" in p.message]
    assert len(notices) == 1 and str(notices[0]).startswith(f"{lock}:0: ")
    assert lock.read_text(encoding="utf-8").startswith('{"version": 2')
    new = read_lock(lock)
    assert [n.path for n in new] == [n.path for n in old]
    assert {e.guid for n in new for e in n.claims} == {e.guid for n in old for e in n.claims}
    again = build(
        [SEEDS], tmp_path / "out", Config(), 2_000_000_100, BuildOptions(lock=lock, every_card=True)
    )
    assert not any("is now in format" in p.message for p in again.problems)
    assert again.plan.counts()["added"] == again.plan.counts()["changed"] == 0


def test_prune_ranked_out_retires_only_cards_kept_for_the_learner(built: Path) -> None:
    lock = built / "deckgen.lock"
    build(
        [built / "note.md"], built / "out", Config(cards="all"), 200, BuildOptions(lock=lock, every_card=True)
    )
    focused = build(
        [built / "note.md"], built / "out", Config(), 300, BuildOptions(lock=lock, every_card=True)
    )
    ranked_out = focused.plan.count("ranked_out")
    assert ranked_out > 0 and focused.plan.count("retired") == 0  # going back to focused retires nothing
    assert sum(e.ranked_out for n in read_lock(lock) for e in n.claims) == ranked_out
    assert prune(lock, ranked_out=True) == ranked_out
    assert not any(e.ranked_out for n in read_lock(lock) for e in n.claims)
    assert sum(len(n.retired) for n in read_lock(lock)) == ranked_out
