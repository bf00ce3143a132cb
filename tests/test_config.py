"""deckgen.yaml and options → Config: every mistake is `path:line: what is wrong — what to do`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import REFERENCE
from deckgen.build.readall import make_cards
from deckgen.config import Config, load_config
from deckgen.errors import ConfigError
from deckgen.notes import read_note


def config_error(path: Path, text: str | bytes, **overrides: Any) -> str:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, **overrides)
    return str(caught.value)


@pytest.mark.parametrize(
    "text, line",
    [
        ("root: Talks\ndeck: {source}::{title}\n", 2),  # braces unquoted: YAML reads a mapping
        ("root: Talks\n\ndeck: '{title}\n", 3),  # found at the end; named where the quote opens
        ("root: [Talks\n\n\n", 1),
        ("deck: a: b\n", 1),
        ("root: Talks::\n", 1),  # a value ending in ':' must be quoted
        ("root: x\n\tdeck: y\n", 2),
    ],
)
def test_yaml_errors_name_the_line_and_say_what_to_do(tmp_path: Path, text: str, line: int) -> None:
    cfg = tmp_path / "deckgen.yaml"
    message = config_error(cfg, text)
    assert message.startswith(f"{cfg}:{line}: ")
    assert " — fix the YAML there; quote a value" in message
    assert "<unicode string>" not in message and "column" not in message  # not PyYAML's own text


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "title: x\n\ncolour: red\n",
            ":1: unknown key(s) colour, title — known: "
            "cap, cards, cloze_bold, cloze_curly, cloze_highlight, deck, exclude, flashcard_tags, generate, "
            "obsidian_vault, remote_images, root, strict_line_breaks, templates",
        ),
        ("- deck\n", ":1: expected `key: value` lines, found a list"),
        ("root: Talks\ndeck: [a, b]\n", ":2: deck must be text, not list"),
        ("deck: '{source'\n", ":1: deck template '{source': expected '}' before end of string"),
        ("deck: '{source}::{name}'\n", ":1: deck template '{source}::{name}' uses name"),
        ("deck: '{source}::::{title}'\n", ":1: deck template '{source}::::{title}' has an empty level"),
        ("root: 'Talks::Podcasts'\n", ":1: root 'Talks::Podcasts' has several levels"),
        ("templates: no-such-folder/\n", ":1: templates folder "),
        (b"root: Caf\xe9\n", ":1: not UTF-8 text — save the file as UTF-8"),
    ],
)
def test_bad_settings_name_the_line(tmp_path: Path, text: str | bytes, expected: str) -> None:
    cfg = tmp_path / "deckgen.yaml"
    assert config_error(cfg, text).startswith(f"{cfg}{expected}")


def test_missing_templates_folder_from_an_option_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--templates: templates folder .*missing does not exist — "):
        load_config(None, templates=tmp_path / "missing")
    (tmp_path / "mine").mkdir()
    assert load_config(None, templates=tmp_path / "mine").templates == tmp_path / "mine"


def test_option_errors_name_the_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--deck: deck template '\{bad\}' uses bad"):
        load_config(tmp_path / "absent.yaml", deck="{bad}")
    with pytest.raises(ConfigError, match=r"^--root: root 'A::B' has several levels"):
        load_config(None, root="A::B")


@pytest.mark.parametrize(
    "config",
    [Config(root="Talks::"), Config(root=":: Talks ::"), Config(root="Talks", deck="::{source}::{title}::")],
)
def test_deck_levels_never_come_out_empty(config: Config) -> None:
    cards, _ = make_cards([read_note(REFERENCE, REFERENCE.name)], config)
    assert {card.deck for card in cards} == {"Talks::The Dwarkesh Podcast::Reasoning in AI models"}


def test_yaml_settings_apply_and_options_win(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    cfg = tmp_path / "deckgen.yaml"
    cfg.write_text("deck: '{title}'\nroot: 'Talks::'\ntemplates: mine\n", encoding="utf-8")
    mine = (tmp_path / "mine").resolve()
    # a deck template set names the decks of flashcard notes too
    assert load_config(cfg) == Config(deck="{title}", root="Talks", templates=mine, flashcard_decks="deck")
    assert load_config(cfg, root="Other").root == "Other"
    assert load_config(tmp_path / "absent.yaml") == Config()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("root: T\nexclude: 5\n", ":2: exclude must be a list of text like ['drafts/'], not 5 — quote"),
        ("flashcard_tags: 5\n", ":1: flashcard_tags must be a list of text like ['#flashcards'], not 5"),
        ("flashcard_tags: ['#a', 5]\n", ":1: flashcard_tags must be a list of text"),
        ("deck: '{title:d}'\n", ":1: deck template '{title:d}' gives a field a format (after `:` or `!`) — "),
        ("deck: '{title:%}'\n", ":1: deck template '{title:%}' gives a field a format"),
        ("deck: '{title:{source}}'\n", ":1: deck template '{title:{source}}' gives a field a format"),
        ("deck: '{title!r}'\n", ":1: deck template '{title!r}' gives a field a format"),
        ("deck: '{}'\n", ":1: deck template '{}' uses {} — use only {source}, {title} and {folder}"),
        ("exclude: ['drafts/', '!']\n", ":1: exclude: '!' is not a gitignore pattern (a lone `!`"),
        ("exclude: '\\'\n", ":1: exclude: '\\\\' is not a gitignore pattern"),
        ("root: T\n\ncap: 0\n", ":3: cap must be a whole number of cards, 1 or more, not 0 — to keep every"),
    ],
)
def test_issue22_setting_mistakes_name_the_line(tmp_path: Path, text: str, expected: str) -> None:
    """Each of these gave a traceback (or, for `cap: 0`, silently 15 cards)."""
    cfg = tmp_path / "deckgen.yaml"
    assert config_error(cfg, text).startswith(f"{cfg}{expected}")


def test_cap_zero_from_the_command_line_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^--cap: cap must be a whole number of cards, 1 or more, not 0"):
        load_config(None, cap=0)


def test_deckgenignore_line_that_is_no_pattern_names_its_line(tmp_path: Path) -> None:
    from deckgen.build.discover import find_notes

    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    (tmp_path / ".deckgenignore").write_text("drafts/\n\n!\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        find_notes([tmp_path])
    assert str(caught.value).startswith(f"{tmp_path / '.deckgenignore'}:3: '!' is not a gitignore pattern")
    assert "remove it" in str(caught.value)
