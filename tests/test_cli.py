"""The command line: help everywhere, summaries, JSON, exit codes, README entries."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.main import get_command
from typer.testing import CliRunner

from conftest import REFERENCE, REPO, SEEDS
from deckgen.build.readall import make_cards
from deckgen.cli import app
from deckgen.config import Config
from deckgen.notes import read_note

runner = CliRunner()


def command_group() -> TyperGroup:
    """deckgen's command line as click sees it: a group of subcommands."""
    group = get_command(app)
    assert isinstance(group, TyperGroup)
    return group


COMMANDS = sorted(command_group().commands)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands write deckgen.lock into the current folder: keep it out of the checkout."""
    monkeypatch.chdir(tmp_path)


def _use_table() -> str:
    """The README's "Use" table: the rows between `## Use` and the next blank line after it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("## Use", 1)[1].split("\n\n", 2)[1]


def test_the_readme_use_table_lists_exactly_the_commands() -> None:
    listed = sorted(re.findall(r"^\| `deckgen (\w+)", _use_table(), re.M))
    assert listed == COMMANDS == ["build", "diff", "preview", "prune", "push", "sheet", "watch"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_a_readme_entry(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    assert f"| `deckgen {command}" in _use_table()
    assert "<bool>" not in result.output  # flags show as flags: `--strict`, not `--strict <bool>`
    for param in command_group().commands[command].params:
        assert isinstance(param, TyperArgument | TyperOption)
        assert param.help, f"{command} {param.name} has no help text"


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"deckgen {version('deckgen')}\n"


def test_build_prints_a_one_line_summary(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(SEEDS), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [line] = result.stdout.strip().splitlines()
    packages = sorted(tmp_path.glob("*.apkg"))
    cards = re.fullmatch(r"5 notes → (\d+) cards in 5 decks \(added (\d+)\) → (.*)", line)
    assert cards and cards[1] == cards[2] and sorted(cards[3].split(", ")) == list(map(str, packages))
    assert "warning" not in result.output


def test_summary_counts_warnings_apart_from_the_files(tmp_path: Path) -> None:
    note = tmp_path / "w.md"
    note.write_text('**Term:** body text.\n\nText <a class="yt-timestamp" data-t="HH:MM:SS">[x]</a>.\n')
    result = runner.invoke(app, ["build", str(note), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith(f"→ {tmp_path / 'out' / 'notes.apkg'}; 1 warning")
    [warning] = result.stderr.splitlines()
    assert warning.startswith("warning: w.md:3: malformed timestamp 'HH:MM:SS'")


JSON_KEYS = {
    "schema", "ok", "error", "dry_run", "notes", "cards", "decks", "kinds", "plan", "changes",
    "warnings", "outputs", "skipped", "empty",
}  # fmt: skip
PLAN_KEYS = ["added", "changed", "moved", "retired", "unchanged", "ranked_out", "conflicts", "deleted"]


@pytest.mark.parametrize("args", [["build"], ["build", "--dry-run"], ["diff"]])
def test_one_json_schema_for_build_dry_run_and_diff(tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, [*args, str(REFERENCE), "-o", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == JSON_KEYS and doc["schema"] == "deckgen.build/1"
    assert doc["ok"] is True and doc["error"] is None and doc["dry_run"] is (args != ["build"])
    assert list(doc["plan"]) == PLAN_KEYS and doc["plan"]["added"] == doc["cards"] == len(doc["changes"])
    assert {c["action"] for c in doc["changes"]} == {"added"}
    assert {c["deck"] for c in doc["changes"]} == {"The Dwarkesh Podcast::Reasoning in AI models"}
    assert bool(doc["outputs"]) is (args == ["build"])


@pytest.mark.parametrize(
    "args, code, error",
    [
        (["build", "missing"], 1, "missing: no such file or folder"),
        (["diff", "--deck", "{bad}", str(REFERENCE)], 2, "--deck: deck template '{bad}' uses bad"),
        (["build", "--strict", "w.md"], 1, "1 problem(s) and --strict is on"),
    ],
)
def test_json_on_failure_has_the_same_schema(tmp_path: Path, args: list[str], code: int, error: str) -> None:
    (tmp_path / "w.md").write_text('Text <a class="yt-timestamp" data-t="HH:MM:SS">[x]</a>.\n')
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == code
    doc = json.loads(result.stdout)
    assert set(doc) == JSON_KEYS and doc["ok"] is False and doc["error"].startswith(error)
    assert doc["changes"] == [] and list(doc["plan"]) == PLAN_KEYS


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path) -> None:
    (tmp_path / "w.md").write_text('Text <a class="yt-timestamp" data-t="HH:MM:SS">[x]</a>.\n')
    args = ["build", "w.md", "--dry-run"]
    terminal = runner.invoke(app, args, color=True)  # as if stderr were a terminal
    assert "\x1b[33mwarning: w.md:1" in terminal.stderr
    for result in (runner.invoke(app, args), runner.invoke(app, args, color=True, env={"NO_COLOR": "1"})):
        assert result.exit_code == 0 and "warning: w.md:1" in result.stderr
        assert "\x1b" not in result.output
    failed = runner.invoke(app, ["build", "missing"], color=True, env={"NO_COLOR": "1"})
    assert failed.exit_code == 1 and "\x1b" not in failed.output


def test_build_json_summary(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(REFERENCE), "--out", str(tmp_path), "--json"])
    summary = json.loads(result.stdout)
    assert summary["ok"] is True and summary["notes"] == 1 and summary["decks"] == 1
    cards, _ = make_cards([read_note(REFERENCE, REFERENCE.name)], Config())
    assert summary["kinds"] == dict(Counter(c.kind for c in cards))
    assert summary["kinds"]["definition"] >= 1 and summary["kinds"]["list"] >= 1
    assert summary["cards"] == sum(summary["kinds"].values()) == len(cards)
    assert summary["outputs"] == [str(tmp_path / "the-dwarkesh-podcast.apkg")]


def test_preview_shows_cards_without_writing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["preview", str(REFERENCE), "--json"])
    cards = json.loads(result.stdout)
    assert cards[0]["answer"] == "per token basis"
    assert cards[0]["timestamps"][0]["url"] == "https://www.youtube.com/watch?v=Wo95ob_s_NI&t=551s"
    text = runner.invoke(app, ["preview", str(REFERENCE)]).stdout
    assert all(f"Q: {card['question']}\n" in text for card in cards)
    assert "Q: What is meant by “Cross-Lingual Generalization”?" in text and text.rstrip().endswith(
        f"{len(cards)} cards in The Dwarkesh Podcast::Reasoning in AI models"
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


def test_prune_without_a_lock_fails_and_creates_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["prune", "--lock", "missing.lock"])
    assert result.exit_code == 1 and "missing.lock: no such lock" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_settings_mistakes_are_usage_errors_with_a_place(tmp_path: Path) -> None:
    args = ["build", str(REFERENCE), "-o", "out", "--dry-run"]
    missing = runner.invoke(app, [*args, "--templates", "no-such-folder"])
    assert missing.exit_code == 2 and "--templates: templates folder" in missing.stderr
    (tmp_path / "deckgen.yaml").write_text("root: Talks\ntemplates: mine/\n")
    from_file = runner.invoke(app, args)
    assert from_file.exit_code == 2 and from_file.stderr.startswith(
        "deckgen: deckgen.yaml:2: templates folder"
    )
    (tmp_path / "deckgen.yaml").write_text("root: Talks\ndeck: {source}::{title}\n")
    broken = runner.invoke(app, args)
    assert broken.exit_code == 2 and broken.stderr.startswith("deckgen: deckgen.yaml:2: ")
    assert " — fix the YAML there" in broken.stderr and "Traceback" not in broken.output


def test_root_and_deck_ends_never_make_empty_levels() -> None:
    args = ["diff", str(REFERENCE), "--root", "Talks::", "--deck", "{source}::{title}::", "--json"]
    decks = {c["deck"] for c in json.loads(runner.invoke(app, args).stdout)["changes"]}
    assert decks == {"Talks::The Dwarkesh Podcast::Reasoning in AI models"}


def test_watch_on_a_missing_path_fails_before_watching() -> None:
    result = runner.invoke(app, ["watch", "no-such-notes"])
    assert result.exit_code == 1
    assert (
        result.stderr
        == "deckgen: no-such-notes: no such file or folder — check the path; nothing is watched\n"
    )


def test_preview_into_a_closed_pipe_exits_quietly() -> None:
    """`deckgen preview NOTE | head`: the reader is gone before deckgen writes."""
    read, write = os.pipe()
    os.close(read)
    code = "from deckgen.cli.commands import app; app(prog_name='deckgen')"
    proc = subprocess.run(
        [sys.executable, "-c", code, "preview", str(REFERENCE)],
        stdout=write,
        stderr=subprocess.PIPE,
        check=False,
    )
    os.close(write)
    assert proc.returncode == 0 and proc.stderr == b""


def test_preview_names_the_deck_build_would(tmp_path: Path) -> None:
    note = tmp_path / "notes" / "Physics" / "Gravity.md"  # the file names the note
    note.parent.mkdir(parents=True)
    note.write_text("# Gravity\n\n* **Mass:** how much matter a body holds, measured in kilograms.\n")

    def decks(args: list[str]) -> set[str]:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        return {c["deck"] for c in (doc["changes"] if isinstance(doc, dict) else doc)}

    assert decks(["diff", "--json"]) == decks(["preview", str(note.relative_to(tmp_path)), "--json"])
    from_notes = decks(["diff", "notes", "--json"])
    assert from_notes == decks(["preview", str(note), "--base", "notes", "--json"]) == {"Physics::Gravity"}


def test_broken_sheet_template_is_a_usage_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "sheet.md.j2").write_text("# {{ sections[0].title }}\n{{ sections[0].nothing }}\n")
    result = runner.invoke(app, ["sheet", str(REFERENCE), "--templates", "mine", "--format", "md"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("deckgen: mine/sheet.md.j2:2: ") and "nothing" in result.stderr
    assert not (tmp_path / "out" / "sheets").exists()


def test_no_machine_specific_paths_in_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    homes = re.compile(rb"(?<![\w.])/(work|root|home)/")
    found = []
    for name in tracked.decode().split("\0"):
        path = REPO / name
        if name and path.is_file() and homes.search(path.read_bytes()):
            found.append(name)
    assert found == []
