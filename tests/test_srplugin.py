"""The Spaced Repetition plugin's own settings (`data.json` in the vault) decide how its cards are
read, unless `deckgen.yaml` says otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deckgen.build import BuildOptions, build
from deckgen.cards.render import plain_question
from deckgen.config import load_config
from deckgen.errors import ConfigError
from deckgen.srplugin import DATA_JSON, find_data_json

SETTINGS = {
    "flashcardTags": ["#study"],
    "singleLineCardSeparator": ">>",
    "singleLineReversedCardSeparator": "<>",
    "multilineCardSeparator": "Q?",
    "multilineReversedCardSeparator": "QQ?",
    "multilineCardEndMarker": "===",
    "convertHighlightsToClozes": False,
    "convertBoldTextToClozes": True,
    "baseEase": 250,
}
NOTE = """\
#study

The capital of France >> Paris

Up <> Down

What does a ribosome make?
Q?
Proteins

The **mitochondrion** powers the cell.

A ==highlight== stays a highlight here.

Old style::not a card with these settings
"""


def vault(tmp_path: Path, settings: object) -> Path:
    root = tmp_path / "vault"
    (root / DATA_JSON).parent.mkdir(parents=True)
    (root / DATA_JSON).write_text(json.dumps({"settings": settings, "buryList": []}), encoding="utf-8")
    (root / "biology").mkdir()
    (root / "biology" / "cell.md").write_text(NOTE, encoding="utf-8")
    return root


def cards(root: Path, yaml: Path | None = None) -> list[tuple[str, str, str]]:
    config = load_config(yaml, notes=[root / "biology"])
    result = build([root / "biology"], root / "out", config, 1_750_000_000, BuildOptions(write=False))
    found = [c for d in result.decks for c in d.cards]
    return sorted((c.kind, plain_question(c.face.question), c.face.answer) for c in found)


def test_the_plugins_settings_decide_tags_separators_and_clozes(tmp_path: Path) -> None:
    root = vault(tmp_path, SETTINGS)
    assert find_data_json([root / "biology" / "cell.md"]) == root / DATA_JSON
    assert cards(root) == [
        ("basic", "Down", "Up"),
        ("basic", "The capital of France", "Paris"),
        ("basic", "Up", "Down"),
        ("basic", "What does a ribosome make?", "Proteins"),
        ("cloze", "The {{c1::mitochondrion}} powers the cell.", ""),
    ]


def test_a_writing_build_reads_the_plugins_separators(tmp_path: Path) -> None:
    root = vault(tmp_path, SETTINGS)
    config = load_config(None, notes=[root / "biology"])
    options = BuildOptions(lock=tmp_path / "deckgen.lock")
    result = build([root / "biology"], tmp_path / "out", config, 1_750_000_000, options)
    assert result.cards == 5


def test_deckgen_yaml_wins_over_the_plugin(tmp_path: Path) -> None:
    root = vault(tmp_path, SETTINGS)
    yaml = tmp_path / "deckgen.yaml"
    yaml.write_text('flashcard_tags: ["#other"]\ncloze_bold: false\n', encoding="utf-8")
    config = load_config(yaml, notes=[root])
    assert (config.flashcard_tags, config.cloze_bold, config.cloze_highlight) == (("#other",), False, False)
    assert config.separators.inline == ">>"
    assert cards(root, yaml) == []  # the note is not tagged #other


def test_no_plugin_means_its_defaults(tmp_path: Path) -> None:
    (tmp_path / ".obsidian").mkdir()
    config = load_config(None, notes=[tmp_path])
    assert config.flashcard_tags == ("#flashcards",)
    assert (config.separators.inline, config.cloze_highlight) == ("::", True)


def test_broken_settings_name_the_file_and_line(tmp_path: Path) -> None:
    root = vault(tmp_path, SETTINGS)
    (root / DATA_JSON).write_text('{"settings": {\n  "flashcardTags": [#x]\n}}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"data\.json:2: the Spaced Repetition settings are not valid JSON"):
        load_config(None, notes=[root])


def test_the_plugins_cloze_patterns_win_over_its_toggles(tmp_path: Path) -> None:
    # the plugin reads `clozePatterns` once it has it; its toggles only seeded the list
    patterns = {**SETTINGS, "convertHighlightsToClozes": True, "convertBoldTextToClozes": True}
    patterns["clozePatterns"] = ["{{[123;;]answer[;;hint]}}", "==[123;;]answer[;;hint]=="]
    root = vault(tmp_path, patterns)
    note = "#study\n\nThe **mitochondrion** makes {{ATP}} from ==sugar==.\n"
    (root / "biology" / "cell.md").write_text(note, encoding="utf-8")
    assert cards(root) == [("cloze", "The **mitochondrion** makes {{c1::ATP}} from {{c2::sugar}}.", "")]
