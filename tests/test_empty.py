"""Notes that give no cards are counted and named with the reason (issue 11, item 3): a folder of
notes deckgen cannot ask about once built to 0 cards, exit 0, without a word of why."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO
from deckgen.build import BuildOptions, BuildResult, build, readall
from deckgen.build.discover import find_notes
from deckgen.cards.claims import note_claims
from deckgen.cli import app
from deckgen.cli.output import HINT, SHOWN_EMPTY, show_rebuild
from deckgen.config import Config
from deckgen.notes import read_note
from deckgen.rules import candidates

EMPTY = REPO / "tests" / "fixtures" / "empty"
TIL = EMPTY / "til"
REJECTED = EMPTY / "talks" / "rejected.md"
BLANK = EMPTY / "talks" / "blank.md"
NO_STAMPS_NO_TERMS = "no timestamps, no **Term:** definitions, no marked phrases, no definitional sentences"
NOW = 1_750_000_000
runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI writes deckgen.lock into the current folder: keep it out of the checkout."""
    monkeypatch.chdir(tmp_path)


def _til_paths() -> list[str]:
    return [f"til/{p.name}" for p in sorted(TIL.glob("*.md"))]


def _build(tmp_path: Path, *args: str) -> tuple[str, str]:
    result = runner.invoke(app, ["build", str(EMPTY), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_notes_without_stamps_or_terms_are_counted_and_named_with_the_reason(tmp_path: Path) -> None:
    stdout, stderr = _build(tmp_path)
    [summary] = stdout.splitlines()  # the summary stays one line
    notes = len(find_notes([EMPTY]))
    assert summary.startswith(f"{notes} notes → ")
    lines = stderr.splitlines()
    empty = len(_til_paths()) + 2  # every TIL note, the blank talk and the rejected one
    assert lines[0] == f"{empty} notes gave no cards:"
    named = lines[1 : 1 + SHOWN_EMPTY]
    assert named[0] == "  talks/blank.md: empty (no paragraphs or list items)"
    assert named[1].startswith("  talks/rejected.md: all 3 candidates were rejected (most often: ")
    assert named[2:] == [f"  {p}: {NO_STAMPS_NO_TERMS}" for p in _til_paths()[: SHOWN_EMPTY - 2]]
    assert lines[1 + SHOWN_EMPTY] == f"  … and {empty - SHOWN_EMPTY} more (--verbose lists all)"
    assert HINT in lines[-1] and "preview NOTE --why" in lines[-1]


def test_verbose_lists_every_note_that_gave_no_cards(tmp_path: Path) -> None:
    _, stderr = _build(tmp_path, "--verbose")
    for path in _til_paths():
        assert f"  {path}: {NO_STAMPS_NO_TERMS}" in stderr.splitlines()
    assert "--verbose lists all" not in stderr
    assert "talks/volatility.md" not in stderr  # the note that gives cards is not named


def test_json_names_the_notes_that_gave_no_cards(tmp_path: Path) -> None:
    stdout, _ = _build(tmp_path, "--json")
    doc = json.loads(stdout)
    by_path = {e["path"]: e["reason"] for e in doc["empty"]}
    assert {p: by_path[p] for p in _til_paths()} == dict.fromkeys(_til_paths(), NO_STAMPS_NO_TERMS)
    assert set(by_path) == {*_til_paths(), "talks/blank.md", "talks/rejected.md"}
    assert doc["notes"] == len(find_notes([EMPTY])) and doc["cards"] > 0


def test_a_note_whose_candidates_were_all_rejected_says_so_and_why() -> None:
    note = read_note(REJECTED, "talks/rejected.md", "talks")
    found = candidates(note)
    assert found and all(c.reject for c in found)
    common = Counter(c.reject for c in found).most_common(1)[0][0]
    claims = note_claims(note, Config())
    assert claims.kept == ()
    assert claims.empty_reason == f"all {len(found)} candidates were rejected (most often: {common})"


def test_a_note_that_gives_cards_has_no_reason() -> None:
    note = read_note(EMPTY / "talks" / "volatility.md", "talks/volatility.md", "talks")
    claims = note_claims(note, Config())
    assert claims.kept and claims.empty_reason == ""


def test_the_reason_survives_the_cache_the_workers_and_an_unchanged_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = build([EMPTY], tmp_path / "a", Config(), NOW, BuildOptions(jobs=1, write=False))
    monkeypatch.setattr(readall, "PARALLEL_FROM", 2)  # the fixture is smaller than the usual threshold
    parallel = build([EMPTY], tmp_path / "b", Config(), NOW, BuildOptions(jobs=2, write=True))
    assert parallel.empty == serial.empty and len(serial.empty) == len(_til_paths()) + 2
    cached = build([EMPTY], tmp_path / "b", Config(), NOW, BuildOptions(jobs=1, every_card=True))
    skipped = build([EMPTY], tmp_path / "b", Config(), NOW, BuildOptions(jobs=1))
    assert not cached.skipped and cached.empty == serial.empty
    assert skipped.skipped and skipped.empty == serial.empty


@pytest.mark.parametrize(
    "note, reason",
    [
        (TIL / "git-worktrees.md", f"no cards: {NO_STAMPS_NO_TERMS}"),
        (BLANK, "no cards: empty (no paragraphs or list items)"),
    ],
)
def test_preview_why_gives_the_reason_for_a_note_without_candidates(note: Path, reason: str) -> None:
    result = runner.invoke(app, ["preview", str(note), "--why"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["0 cards kept of 0 candidates", reason, HINT]


def test_preview_why_lists_rejected_candidates_then_the_reason() -> None:
    result = runner.invoke(app, ["preview", str(REJECTED), "--why"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert sum(line.startswith("drop ") for line in lines) == 3
    assert lines[-3] == "0 cards kept of 3 candidates"
    assert lines[-2].startswith("no cards: all 3 candidates were rejected (most often: ")


def test_watch_verbose_lists_every_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = build([EMPTY], tmp_path, Config(), NOW, BuildOptions(write=False))
    show_rebuild(result, (EMPTY / "til" / "css-has.md",), verbose=True)
    err = capsys.readouterr().err
    assert all(f"  {path}: {reason}" in err for path, reason in result.empty)
    show_rebuild(result, (EMPTY / "til" / "css-has.md",))
    assert "--verbose lists all" in capsys.readouterr().err


def test_a_build_that_gave_cards_everywhere_prints_no_list(capsys: pytest.CaptureFixture[str]) -> None:
    from deckgen.cli.output import report

    report(BuildResult(1, 3, (), ()), as_json=False)
    assert "gave no cards" not in capsys.readouterr().err


def test_a_note_with_one_rejected_candidate_gives_that_reason(tmp_path: Path) -> None:
    path = tmp_path / "one.md"
    path.write_text("---\ntitle: One\nvideoId: abcdefghijk\n---\n\nIt was good [00:01:10].\n")
    note = read_note(path, "one.md", "")
    [only] = candidates(note)
    assert only.reject
    assert note_claims(note, Config()).empty_reason == f"its one candidate was rejected: {only.reject}"
