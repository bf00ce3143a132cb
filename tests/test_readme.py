"""The README tells the truth (issue 21, item 9): every `deckgen …` command it shows uses
options the command has, and the card counts it gives are what a build makes."""

from __future__ import annotations

import re
import shlex
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REFERENCE, REPO, SEEDS
from deckgen.build import BuildOptions, build
from deckgen.cli import app
from deckgen.config import Config

README = (REPO / "README.md").read_text(encoding="utf-8")
runner = CliRunner()
_FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
_SPAN = re.compile(r"`([^`\n]+)`")
_OPTION = re.compile(r"(?<![\w/.-])(--?[a-zA-Z][\w-]*)")


def commands_shown(text: str) -> list[str]:
    """Every `deckgen …` command line of `text`: in code blocks (one per `&&`, `|` or `;`
    part, without its comment) and in inline code."""
    found: list[str] = []
    for block in _FENCED.findall(text):
        for line in block.splitlines():
            for part in re.split(r"&&|\|\||[|;]", line.split("  #")[0]):
                if part.strip().startswith("deckgen "):
                    found.append(part.strip())
    found += [s.replace("\\|", "|") for s in _SPAN.findall(text) if s.startswith("deckgen ")]
    return found


def table_rows(text: str) -> list[tuple[str, list[str]]]:
    """(command, options) of each table row whose first cell is a `deckgen COMMAND …` span:
    every option any code span of the row names."""
    rows = []
    for line in text.splitlines():
        if m := re.match(r"\| `deckgen (\w+)", line):
            spans = _SPAN.findall(line)
            rows.append((m.group(1), [o for s in spans for o in _OPTION.findall(s)]))
    return rows


def parse(line: str) -> tuple[str, list[str]]:
    """A command line's subcommand ('' for `deckgen --version`) and its options."""
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    command = next((w for w in words[1:] if not w.startswith("-")), "")
    if words[1:] and words[1].startswith("-"):
        command = ""  # `deckgen --version`: an option of deckgen itself
    options = [w.split("=")[0] for w in words[1:] if re.fullmatch(r"--?[a-zA-Z][\w-]*(=.*)?", w)]
    return command, options


@cache
def help_of(command: str) -> str:
    got = runner.invoke(app, [command, "--help"] if command else ["--help"], terminal_width=200)
    assert got.exit_code == 0, f"deckgen {command} --help: {got.output}"
    return got.output


def _offers(command: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_of(command)) is not None


SHOWN = [parse(line) for line in commands_shown(README)]


def test_the_readme_shows_commands_in_code_blocks_and_inline() -> None:
    assert ("build", ["--out"]) in SHOWN  # the set-up block
    assert ("push", ["--collection", "--create"]) in SHOWN  # a `deckgen push` example block
    assert any(command == "preview" and "--why" in options for command, options in SHOWN)
    assert {command for command, _ in table_rows(README)} >= {"build", "push", "sheet", "preview"}


@pytest.mark.parametrize(("command", "options"), SHOWN, ids=[" ".join([c, *o]) for c, o in SHOWN])
def test_every_command_the_readme_shows_exists_with_its_options(command: str, options: list[str]) -> None:
    if command:
        assert re.search(rf"^\s+{command}\b", help_of(""), re.M), f"deckgen has no command {command!r}"
    missing = [o for o in options if not _offers(command, o)]
    assert not missing, f"`deckgen {command} --help` offers no {', '.join(missing)}"


@pytest.mark.parametrize(("command", "options"), table_rows(README))
def test_every_option_the_use_table_names_is_its_commands(command: str, options: list[str]) -> None:
    missing = [o for o in options if not _offers(command, o)]
    assert not missing, f"the README's row for `deckgen {command}` names {', '.join(missing)}"


def test_a_checker_that_cannot_fail_is_no_checker() -> None:
    assert parse("deckgen build seeds --out out --nope") == ("build", ["--out", "--nope"])
    assert not _offers("build", "--nope") and _offers("build", "--out")


def test_the_card_counts_the_readme_gives_are_a_builds(tmp_path: Path) -> None:
    m = re.search(r"the reference note \([\d,]+ words\) gives (\d+)", README)
    assert m, "the README no longer says how many cards the reference note gives"
    dry = BuildOptions(write=False)
    assert int(m.group(1)) == build([REFERENCE], tmp_path / "a", Config(), 1_000, dry).cards
    m = re.search(r"`(\d+) notes → (\d+) cards in (\d+) decks \(added (\d+)\)", README)
    assert m, "the README no longer gives the seeds' summary line"
    seeds = build([SEEDS], tmp_path / "b", Config(), 1_000, dry)
    said = tuple(map(int, m.groups()))
    assert said == (seeds.notes, seeds.cards, seeds.deck_count, seeds.plan.count("added"))


def test_cards_and_cap_work_on_build_diff_and_push_as_on_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.chdir(tmp_path)

    def cards(*args: str) -> int:
        got = runner.invoke(app, [*args, "--json"])
        assert got.exit_code == 0, got.output
        return int(json.loads(got.stdout)["cards"])

    focused = cards("build", str(REFERENCE), "--out", "a", "--lock", "a.lock")
    assert cards("build", str(REFERENCE), "--out", "b", "--lock", "b.lock", "--cap", "3") == 3
    assert cards("build", str(REFERENCE), "--out", "c", "--lock", "c.lock", "--cards", "all") > focused
    assert cards("diff", str(REFERENCE), "--out", "d", "--lock", "d.lock", "--cap", "2") == 2
    collection = str(tmp_path / "anki" / "c.anki2")
    args = ["--create", "--dry-run", "--cap", "2", "--lock", "e.lock", "--out", "e"]
    push = runner.invoke(app, ["push", str(REFERENCE), "--collection", collection, *args])
    assert push.exit_code == 0, push.output
    assert push.stdout.startswith("would push 2 cards to "), push.output
