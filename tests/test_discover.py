"""Which files are notes: node_modules, `.deckgenignore` and `exclude:` are skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckgen.build import build
from deckgen.build.discover import find_notes
from deckgen.config import Config, load_config
from deckgen.errors import BuildError

NOTE = "# Tides\n\n*   **Spring tide:** The largest tidal range, at new and full moon.\n"


def vault(root: Path, names: list[str]) -> Path:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(NOTE, encoding="utf-8")
    return root


def test_node_modules_ignore_file_and_exclude_are_skipped(tmp_path: Path) -> None:
    root = vault(
        tmp_path / "v",
        ["a.md", "topics/b.md", "node_modules/pkg/README.md", "deep/node_modules/x/CHANGELOG.md",
         "templates/daily.md", "topics/templates/t.md", "drafts/wip.md", "topics/c.draft.md", ".hidden/h.md"],
    )  # fmt: skip
    (root / ".deckgenignore").write_text("# templates of my note app\ntemplates/\n*.draft.md\n")
    found = [f.display for f in find_notes([root], Config(exclude=("drafts/",)).exclude)]
    assert found == ["a.md", "topics/b.md"]


def test_a_negated_pattern_brings_a_file_back(tmp_path: Path) -> None:
    root = vault(tmp_path / "v", ["a.md", "b.md", "keep.md"])
    (root / ".deckgenignore").write_text("*.md\n!keep.md\n")
    assert [f.display for f in find_notes([root])] == ["keep.md"]


def test_each_input_root_reads_its_own_ignore_file(tmp_path: Path) -> None:
    one = vault(tmp_path / "one", ["x.md", "y.md"])
    two = vault(tmp_path / "two", ["x.md", "y.md"])
    (one / ".deckgenignore").write_text("x.md\n")
    assert [f.path for f in find_notes([one, two])] == [one / "y.md", two / "x.md", two / "y.md"]


def test_a_file_named_on_the_command_line_is_always_read(tmp_path: Path) -> None:
    root = vault(tmp_path / "v", ["node_modules/n.md"])
    assert [f.display for f in find_notes([root / "node_modules" / "n.md"])] == ["n.md"]


def test_exclude_is_read_from_deckgen_yaml_and_the_build_uses_it(tmp_path: Path) -> None:
    root = vault(tmp_path / "v", ["a.md", "drafts/wip.md", "templates/t.md"])
    (tmp_path / "deckgen.yaml").write_text("exclude:\n  - drafts/\n  - templates/\n")
    config = load_config(tmp_path / "deckgen.yaml")
    assert config.exclude == ("drafts/", "templates/")
    assert load_config(None, exclude="drafts/").exclude == ("drafts/",)
    result = build([root], tmp_path / "out", config, 1_000)
    assert result.notes == 1


def test_everything_excluded_is_the_no_notes_error(tmp_path: Path) -> None:
    root = vault(tmp_path / "v", ["node_modules/a.md"])
    with pytest.raises(BuildError, match=r"no \.md notes under"):
        build([root], tmp_path / "out", Config(), 1_000)
