"""What a person reads (issue 21, item 7): each kind of warning once with a count, `watch`
saying only what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import TESTS
from deckgen.build import BuildOptions, build
from deckgen.cli import app
from deckgen.cli.output import show_rebuild, warning_kind
from deckgen.config import Config

WARNED = TESTS / "fixtures" / "warnings"
"""Two notes: five missing images (one kind of warning) and one malformed timestamp."""
runner = CliRunner()


@pytest.fixture()
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return Path(shutil.copytree(WARNED, tmp_path / "notes"))


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


def test_each_kind_of_warning_is_printed_once_with_a_count_and_an_example(notes: Path) -> None:
    got = runner.invoke(app, ["build", str(notes), "--out", "out"])
    assert got.exit_code == 0, got.output
    assert got.stdout.rstrip().endswith("; 6 warnings")
    assert _warnings(got.stderr) == [
        "warning: cells.md:7: malformed timestamp '99:99:99' skipped — write it as HH:MM:SS",
        "warning: cells.md:3: image 'mitochondrion.png' not found next to the note or in the vault — "
        "check its name (and 4 more like it; --verbose lists all)",
    ]
    every = runner.invoke(app, ["build", str(notes), "--out", "out", "-v"])
    assert len(_warnings(every.stderr)) == 6
    assert "warning: tissues.md:4: image 'cartilage.png' not found" in every.stderr


def test_warnings_of_one_kind_differ_only_in_their_particulars() -> None:
    a = "image 'a.png' not found next to the note or in the vault — check its name"
    b = 'image "it\'s.png" not found next to the note or in the vault — check its name'
    assert warning_kind(a) == warning_kind(b) != warning_kind("malformed timestamp '1:2' skipped")


def test_watch_says_only_what_changed(
    notes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: set[str] = set()

    def rebuild(changed: tuple[Path, ...]) -> str:
        result = build([notes], tmp_path / "out", Config(), 1_000, BuildOptions(write=False))
        show_rebuild(result, changed, seen=seen)
        return capsys.readouterr().err

    first = rebuild(())
    assert len(_warnings(first)) == 2
    assert _warnings(rebuild((notes / "cells.md",))) == []  # the same warnings: not said again
    cells = notes / "cells.md"
    cells.write_text(cells.read_text(encoding="utf-8").replace("99:99:99", "00:01:02"), encoding="utf-8")
    (notes / "bones.md").write_text("# Bones\n\nJust a thought, nothing to ask.\n", encoding="utf-8")
    said = rebuild((notes / "bones.md",))
    assert _warnings(said) == []  # the stamp was fixed; the images are as before
    assert "1 note gave no cards:\n  bones.md:" in said
    assert "gave no cards" not in rebuild((notes / "bones.md",))


def test_one_of_a_thing_is_said_in_the_singular(notes: Path) -> None:
    got = runner.invoke(app, ["build", str(notes / "tissues.md"), "--out", "out"])
    assert got.stdout.startswith("1 note → 2 cards in 1 deck (added 2) → "), got.output
    assert got.stderr.count("warning: ") == 1  # two missing images: one kind, said once
    assert "(and 1 more like it; --verbose lists all)" in got.stderr
