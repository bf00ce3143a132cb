"""Vaults as Obsidian users keep them (issue 21): what deckgen wrote is never read back,
settings are found where the notes are, and decks of flashcard notes follow the settings."""

from __future__ import annotations

import json
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
NOTES = [
    "Reading/Glossary.md", "Reading/Untagged cards.md",
    "Software/Empty deck.md", "Software/Networking.md", "Software/Sorting.md",
]  # fmt: skip

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
    assert '"notes": 5' in first.output and '"notes": 5' in again.output
    assert _notes(vault) == NOTES


def test_the_output_folder_is_skipped_before_any_build_marked_it(vault: Path, tmp_path: Path) -> None:
    (vault / "out").mkdir()
    (vault / "out" / "stray.md").write_text("#flashcards\n\nA question::an answer\n", encoding="utf-8")
    result = build([vault], vault / "out", Config(), 1_000)
    assert result.notes == 5
    # a folder given by name is read, even an output folder: the user asked for it
    assert [f.display for f in find_notes([vault / "out"])] == ["stray.md"]


def _decks(args: list[str]) -> tuple[set[str], str]:
    """The decks a dry run plans cards for, and what it said on stderr."""
    got = runner.invoke(app, ["diff", *args, "--json", "-v"])
    assert got.exit_code == 0, got.output
    document = json.loads(got.stdout)
    return {c["deck"].split("::")[0] for c in document["changes"]}, got.stderr


def test_settings_are_found_at_the_vaults_top_when_run_from_elsewhere(vault: Path) -> None:
    tops, said = _decks([str(vault / "Software"), str(vault / "Reading")])
    assert tops == {"Vault"}  # root: Vault, from the vault's own deckgen.yaml
    assert f"settings: {vault / 'deckgen.yaml'} (the vault's top folder)" in said


def test_the_current_folders_settings_win_over_the_vaults_and_config_over_both(
    vault: Path, tmp_path: Path
) -> None:
    Path("deckgen.yaml").write_text("root: Here\n", encoding="utf-8")
    tops, said = _decks([str(vault)])
    assert tops == {"Here"} and "settings: deckgen.yaml (the current folder)" in said
    (tmp_path / "given.yaml").write_text("root: Given\n", encoding="utf-8")
    tops, said = _decks([str(vault), "--config", str(tmp_path / "given.yaml")])
    assert tops == {"Given"} and "(--config)" in said
    missing = runner.invoke(app, ["build", str(vault), "--config", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "nope.yaml: no such settings file" in missing.output


def test_without_settings_anywhere_verbose_says_the_defaults_apply(vault: Path) -> None:
    (vault / "deckgen.yaml").unlink()
    tops, said = _decks([str(vault)])
    assert "Vault" not in tops and "settings: no deckgen.yaml" in said


def _flashcard_decks(vault: Path, *args: str) -> set[str]:
    got = runner.invoke(app, ["diff", str(vault), "--json", *args])
    assert got.exit_code == 0, got.output
    return {c["deck"] for c in json.loads(got.stdout)["changes"] if "Reading" not in c["path"]}


def _convert_folders(vault: Path) -> None:
    data_json = vault / ".obsidian" / "plugins" / "obsidian-spaced-repetition" / "data.json"
    data = json.loads(data_json.read_text(encoding="utf-8"))
    data["settings"]["convertFoldersToDecks"] = True
    data_json.write_text(json.dumps(data), encoding="utf-8")


def test_flashcard_notes_take_their_tags_deck_by_default(vault: Path) -> None:
    assert _flashcard_decks(vault) == {"Vault::flashcards"}


def test_the_deck_option_and_setting_are_honoured_for_flashcard_notes(vault: Path) -> None:
    decks = _flashcard_decks(vault, "--deck", "Software::{title}")
    assert decks == {"Vault::Software::Sorting", "Vault::Software::Networking"}
    (vault / "deckgen.yaml").write_text("deck: 'Cards::{title}'\n", encoding="utf-8")
    assert _flashcard_decks(vault) == {"Cards::Sorting", "Cards::Networking"}


def test_the_plugins_folders_to_decks_names_decks_unless_a_deck_template_is_set(vault: Path) -> None:
    _convert_folders(vault)
    assert _flashcard_decks(vault) == {"Vault::Software"}
    assert _flashcard_decks(vault, "--deck", "{title}") == {"Vault::Sorting", "Vault::Networking"}


def test_flashcard_notes_that_gave_no_cards_are_told_about_flashcards(vault: Path) -> None:
    got = runner.invoke(app, ["build", str(vault), "--out", "out", "--json"])
    empty = {e["path"]: e["reason"] for e in json.loads(got.stdout)["empty"]}
    assert empty["Software/Empty deck.md"].startswith("a flashcard note (#flashcards) with no card")
    assert empty["Reading/Untagged cards.md"] == (
        "2 Spaced Repetition cards but no flashcard tag (#flashcards) — tag the note to make them cards"
    )
    assert not any("timestamps" in reason for reason in empty.values())
    why = runner.invoke(app, ["preview", str(vault / "Software" / "Empty deck.md"), "--why"])
    assert "no cards: a flashcard note (#flashcards)" in why.output


def test_preview_of_a_missing_note_says_there_is_no_such_file(vault: Path) -> None:
    for args in (["preview", "nope.md"], ["preview", "nope.md", "--why"]):
        got = runner.invoke(app, args)
        assert got.exit_code == 1
        assert got.stderr == "deckgen: nope.md: no such file — check the path\n"
