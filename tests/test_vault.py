"""Vaults as Obsidian users keep them (issue 21): what deckgen wrote is never read back,
settings are found where the notes are, and decks of flashcard notes follow the settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import TESTS
from deckgen.build import build
from deckgen.build.discover import find_notes
from deckgen.cli import app
from deckgen.config import Config

SRVAULT = TESTS / "fixtures" / "srvault"
"""A Spaced Repetition vault: `.obsidian/` with the plugin's `data.json`, a `.trash/`, flashcard
notes in `Software/`, a glossary in `Reading/`, and a `deckgen.yaml` at its top."""
NOTES = ["Reading/Glossary.md", "Software/Empty deck.md", "Software/Networking.md", "Software/Sorting.md"]

runner = CliRunner()


@pytest.fixture()
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture vault; the current folder is elsewhere, so no ./deckgen.yaml."""
    copy = tmp_path / "vault"
    shutil.copytree(SRVAULT, copy)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return copy


def _notes(vault: Path) -> list[str]:
    return [f.display for f in find_notes([vault])]


def test_obsidian_settings_and_trash_are_never_notes(vault: Path) -> None:
    assert _notes(vault) == NOTES


def test_sheets_written_into_the_vault_are_not_read_back_by_a_later_run_with_another_out(
    vault: Path,
) -> None:
    sheet = runner.invoke(app, ["sheet", str(vault), "--out", str(vault / "study"), "--format", "md"])
    assert sheet.exit_code == 0, sheet.output
    assert list((vault / "study" / "sheets").glob("*.md"))  # Markdown sheets inside the vault
    first = runner.invoke(app, ["build", str(vault), "--out", str(vault / "out"), "--json"])
    assert first.exit_code == 0, first.output
    # another --out: neither folder an earlier run wrote into is read, nor the lock's folder
    again = runner.invoke(app, ["build", str(vault), "--out", str(vault / "elsewhere"), "--lock",
                                str(vault / "deckgen.lock"), "--dry-run", "--json"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert '"notes": 4' in first.output and '"notes": 4' in again.output
    assert _notes(vault) == NOTES


def test_the_output_folder_is_skipped_before_any_build_marked_it(vault: Path, tmp_path: Path) -> None:
    (vault / "out").mkdir()
    (vault / "out" / "stray.md").write_text("#flashcards\n\nA question::an answer\n", encoding="utf-8")
    result = build([vault], vault / "out", Config(), 1_000)
    assert result.notes == 4
    # a folder given by name is read, even an output folder: the user asked for it
    assert [f.display for f in find_notes([vault / "out"])] == ["stray.md"]
