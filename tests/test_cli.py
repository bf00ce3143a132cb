"""The command line: help everywhere, summaries, JSON, exit codes, README entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from conftest import REFERENCE, REPO, SEEDS
from deckgen.cli import app

runner = CliRunner()
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands write deckgen.lock into the current folder: keep it out of the checkout."""
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_a_readme_entry(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    assert f"deckgen {command}" in (REPO / "README.md").read_text(encoding="utf-8")
    for param in get_command(app).commands[command].params:  # type: ignore[attr-defined]
        assert param.help, f"{command} {param.name} has no help text"


def test_build_prints_a_one_line_summary(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(SEEDS), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("5 notes → ") and "0 warnings" in lines[0]


def test_build_json_summary(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(REFERENCE), "--out", str(tmp_path), "--json"])
    summary = json.loads(result.stdout)
    assert summary["notes"] == 1 and summary["decks"] == 1
    assert summary["kinds"]["definition"] == 17 and summary["kinds"]["list"] == 6
    assert summary["cards"] == sum(summary["kinds"].values())
    assert summary["outputs"] == [str(tmp_path / "the-dwarkesh-podcast.apkg")]


def test_preview_shows_cards_without_writing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["preview", str(REFERENCE), "--json"])
    cards = json.loads(result.stdout)
    assert cards[0]["answer"] == "per token basis"
    assert cards[0]["timestamps"][0]["url"] == "https://www.youtube.com/watch?v=Wo95ob_s_NI&t=551s"
    text = runner.invoke(app, ["preview", str(REFERENCE)]).stdout
    assert "Q: What is meant by “Long-term Coherence”?" in text and text.rstrip().endswith(
        "Reasoning in AI models"
    )


def test_exit_codes(tmp_path: Path) -> None:
    assert runner.invoke(app, ["build", str(tmp_path / "missing")]).exit_code == 1
    assert runner.invoke(app, ["build", "--deck", "{bad}", str(SEEDS)]).exit_code == 2
    assert runner.invoke(app, ["build", "--no-such-option"]).exit_code == 2
    (tmp_path / "w.md").write_text('Text <a class="yt-timestamp" data-t="HH:MM:SS">[x]</a>.\n')
    out = tmp_path / "out"
    assert runner.invoke(app, ["build", str(tmp_path / "w.md"), "-o", str(out)]).exit_code == 0
    strict = runner.invoke(app, ["build", str(tmp_path / "w.md"), "-o", str(out), "--strict"])
    assert strict.exit_code == 1 and "w.md:1: malformed timestamp 'HH:MM:SS'" in strict.stderr


def test_config_file_sets_the_deck_template(tmp_path: Path) -> None:
    cfg = tmp_path / "deckgen.yaml"
    cfg.write_text("deck: '{title}'\nroot: Talks\n")
    result = runner.invoke(
        app, ["build", str(REFERENCE), "-o", str(tmp_path), "--config", str(cfg), "--json"]
    )
    assert json.loads(result.stdout)["outputs"] == [str(tmp_path / "reasoning-in-ai-models.apkg")]
    cfg.write_text("colour: red\n")
    bad = runner.invoke(app, ["build", str(REFERENCE), "-o", str(tmp_path), "--config", str(cfg)])
    assert bad.exit_code == 2 and "unknown key(s) colour" in bad.stderr
