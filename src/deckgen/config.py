"""`deckgen.yaml` and command-line options → a validated `Config`."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import pathspec
import yaml

from .errors import ConfigError
from .model import SEPARATORS, Separators
from .srplugin import APP_JSON, app_settings, find_data_json, plugin_settings, vault_top

DECK_FIELDS = ("source", "title", "folder")
DEFAULT_TAGS = ("#flashcards",)
"""The Spaced Repetition plugin's default flashcard tag."""
_LEVEL_ENDS = re.compile(r"^[\s:]+|[\s:]+$")
_YAML_HINT = (
    "fix the YAML there; quote a value that contains ': ' or ' #', ends with ':', "
    "or starts with {, [, *, & or !"
)


def _trim_levels(text: str) -> str:
    # `Talks::` would otherwise make `Talks:::…`: Anki reads `:::` as an empty or a `:`-named level.
    return _LEVEL_ENDS.sub("", text)


CAP = 15
"""The most cards a note gives in `focused` mode: past this, a note's cards are mostly filler."""


@dataclass(frozen=True, slots=True)
class Config:
    """Build settings. Every field has a default, so `deckgen.yaml` is optional."""

    deck: str = "{source}::{title}"
    """Deck name template; `::` separates deck levels. Fields: {source}, {title}, {folder}.
    Leading and trailing `::` are dropped."""
    root: str = ""
    """Optional parent deck for every deck, e.g. `Talks` (one level; leading and trailing `::` dropped)."""
    templates: Path | None = None
    """Folder with card and sheet templates overriding the built-in ones."""
    exclude: tuple[str, ...] = ()
    """Gitignore-style patterns of notes and folders to skip (as in `.deckgenignore`)."""
    cards: Literal["focused", "all"] = "focused"
    """`focused`: each note keeps its best cards (see `cap`); `all`: every card that is not rejected."""
    cap: int = CAP
    """The most cards one note gives in `focused` mode."""
    obsidian_vault: str = ""
    """The Obsidian vault's name: cards then link back to their note (`obsidian://open`)."""
    flashcard_tags: tuple[str, ...] = DEFAULT_TAGS
    """Tags that make a note's Spaced Repetition syntax cards (`q::a`, `?`, `==cloze==`); a tag
    also covers its sub-tags, which name the deck (`#flashcards/biology`)."""
    generate: bool = False
    """Whether a note with hand-written cards also gets generated cards (its front matter's
    `generate:` wins)."""
    cloze_highlight: bool = True
    """Whether `==highlight==` in a flashcard note is a cloze deletion."""
    cloze_bold: bool = False
    """Whether `**bold**` in a flashcard note is a cloze deletion (off: bold is usually a term)."""
    cloze_curly: bool = False
    """Whether `{{curly}}` in a flashcard note is a cloze deletion."""
    separators: Separators = SEPARATORS
    """What splits a Spaced Repetition card: only the plugin's own settings change it (see
    `srplugin.py`)."""
    remote_images: Literal["off", "download"] = "off"
    """`download`: images embedded by web address are downloaded and bundled (it reaches the
    network: off by default; `--fetch-images` turns it on for one run)."""
    downloads: Path | None = None
    """Where downloaded images are kept: set by the build (`out/.deckgen-images/`) when
    `remote_images` is `download`, never in `deckgen.yaml`."""
    flashcard_decks: Literal["tag", "folders", "deck"] = "tag"
    """What names the deck of a Spaced Repetition card: `deck` when `--deck` or `deck:` is set
    (the deck template, as for every other card), else `folders` when the plugin's own
    `convertFoldersToDecks` is on (the note's folders), else `tag` (its flashcard tag)."""
    strict_line_breaks: bool = False
    """Whether a single newline in a hand-written card is a space, as Obsidian shows it with
    `strictLineBreaks` (read from the vault's `.obsidian/app.json`); off: a line break."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "deck", _trim_levels(self.deck))
        object.__setattr__(self, "root", _trim_levels(self.root))
        try:
            parts = [
                (f, spec, conv) for _, f, spec, conv in string.Formatter().parse(self.deck) if f is not None
            ]
        except ValueError as exc:  # an unmatched `{` or `}`
            raise ConfigError(
                f"deck template {self.deck!r}: {exc} — write fields as {{source}}, {{title}} or {{folder}}"
            ) from None
        if any(spec or conv for _, spec, conv in parts):  # `{title:d}` fails only when a card is made
            raise ConfigError(
                f"deck template {self.deck!r} gives a field a format (after `:` or `!`) — "
                "write the fields alone: {source}, {title}, {folder}"
            )
        names = {f for f, _, _ in parts}
        if unknown := names - set(DECK_FIELDS):
            raise ConfigError(
                f"deck template {self.deck!r} uses {', '.join(sorted(n or '{}' for n in unknown))} — "
                f"use only {{source}}, {{title}} and {{folder}}"
            )
        for name in _SWITCHES:
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, not {getattr(self, name)!r}")
        bad = [t for t in self.flashcard_tags if not isinstance(t, str) or not t.lstrip("#").strip()]
        if bad or not isinstance(self.flashcard_tags, tuple):
            raise ConfigError(
                f'flashcard_tags must be a list of tags like ["#flashcards"], not {self.flashcard_tags!r}'
            )
        tags = tuple(f"#{t.strip().lstrip('#')}" for t in self.flashcard_tags)
        object.__setattr__(self, "flashcard_tags", tags)
        if self.remote_images not in ("off", "download"):
            raise ConfigError(f"remote_images must be 'off' or 'download', not {self.remote_images!r}")
        if self.flashcard_decks not in ("tag", "folders", "deck"):
            raise ConfigError(f"flashcard_decks must be tag, folders or deck, not {self.flashcard_decks!r}")
        if self.cards not in ("focused", "all"):
            raise ConfigError(f"cards must be 'focused' or 'all', not {self.cards!r}")
        if not isinstance(self.cap, int) or isinstance(self.cap, bool) or self.cap < 1:
            raise ConfigError(
                f"cap must be a whole number of cards, 1 or more, not {self.cap!r} — "
                "to keep every card a note gives, set `cards: all` instead"
            )
        if not self.deck or any(not level.strip() for level in self.deck.split("::")):
            raise ConfigError(
                f"deck template {self.deck!r} has an empty level — write it like '{{source}}::{{title}}'"
            )
        if "::" in self.root:
            top, below = self.root.split("::", 1)
            raise ConfigError(
                f"root {self.root!r} has several levels — give one parent deck ({top!r}) and put the "
                f"others into the deck template, e.g. deck: '{below}::{{source}}::{{title}}'"
            )


_SWITCHES = ("generate", "cloze_highlight", "cloze_bold", "cloze_curly", "strict_line_breaks")


SETTINGS_NAME = "deckgen.yaml"


@dataclass(frozen=True, slots=True)
class SettingsFile:
    """Which `deckgen.yaml` a run uses, and why (for `-v`)."""

    path: Path | None
    """None: none was found, the defaults (and the plugin's settings) apply."""
    why: str


def find_settings(given: Path | None, notes: Sequence[Path], cwd: Path | None = None) -> SettingsFile:
    """The settings file: `given` (`--config`), else `deckgen.yaml` in the current folder, else
    in the top folder of the vault holding the first of `notes` that is in one."""
    if given is not None:
        if not given.is_file():
            raise ConfigError(f"{given}: no such settings file — check the path given to --config")
        return SettingsFile(given, "--config")
    here = (cwd or Path(".")) / SETTINGS_NAME
    if here.is_file():
        return SettingsFile(here, "the current folder")
    for note in notes:
        top = vault_top(note)
        if top is not None and (top / SETTINGS_NAME).is_file():
            return SettingsFile(top / SETTINGS_NAME, "the vault's top folder")
    return SettingsFile(None, f"no {SETTINGS_NAME} in the current folder or the vault's top: the defaults")


def load_config(path: Path | None, *, notes: Sequence[Path] = (), **overrides: Any) -> Config:
    """Read `path` (if given and present), then apply the non-None `overrides`. The Spaced
    Repetition plugin's settings in the vault holding `notes` fill in what neither sets."""
    data, lines = _read_yaml(path) if path is not None and path.is_file() else ({}, {})
    plugin_file = find_data_json(notes)
    plugin = plugin_settings(plugin_file) if plugin_file is not None else {}
    app_file = find_data_json(notes, APP_JSON)
    app = app_settings(app_file) if app_file is not None else {}

    def where(key: str) -> str:
        """Where a setting came from, to start an error message with."""
        if overrides.get(key) is not None:
            return f"--{key}"
        if key in plugin and key not in data:
            return str(plugin_file)
        if key in app and key not in data:
            return str(app_file)
        return f"{path}:{lines.get(key, 1)}"

    known = {f.name for f in fields(Config)} - {"separators", "downloads", "flashcard_decks"}
    if unknown := sorted(set(data) - known):
        first = min(unknown, key=lambda k: lines.get(k, 1))
        raise ConfigError(
            f"{where(first)}: unknown key(s) {', '.join(unknown)} — known: {', '.join(sorted(known))}"
        )
    for key, value in data.items():
        if key in _LISTS:
            _check_list(key, value, where(key))
        elif value is not None and not isinstance(value, (str, int, float)):
            raise ConfigError(f"{where(key)}: {key} must be text, not {type(value).__name__} — quote it")
    if data.get("templates") is not None and path is not None:
        data["templates"] = (path.parent / str(data["templates"])).resolve()
    merged = {**app, **plugin, **data, **{k: v for k, v in overrides.items() if v is not None}}
    templates = Path(merged["templates"]) if merged.get("templates") else None
    if templates is not None and not templates.is_dir():
        raise ConfigError(
            f"{where('templates')}: templates folder {templates} does not exist — "
            "create it (copy the files you want to change from deckgen's templates/) or fix the path"
        )
    try:
        deck = str(merged["deck"]) if merged.get("deck") is not None else Config().deck
        exclude = merged.get("exclude") or ()
        return Config(
            deck=deck, root=str(merged.get("root") or ""), templates=templates,
            exclude=(exclude,) if isinstance(exclude, str) else tuple(exclude),
            cards=str(merged.get("cards") or "focused"),  # type: ignore[arg-type]
            remote_images=str(merged.get("remote_images") or "off"),  # type: ignore[arg-type]
            cap=CAP if merged.get("cap") is None else merged["cap"],
            obsidian_vault=str(merged.get("obsidian_vault") or ""),
            flashcard_tags=_tags(merged.get("flashcard_tags", DEFAULT_TAGS)),
            **{k: merged[k] for k in _SWITCHES if merged.get(k) is not None},
            separators=merged.get("separators", SEPARATORS),
            flashcard_decks="deck" if merged.get("deck") is not None
            else merged.get("flashcard_decks", "tag"),
        )  # fmt: skip
    except ConfigError as exc:
        names = ("root", "cards", "cap", "flashcard_tags", "remote_images", *_SWITCHES)
        key = next((k for k in names if str(exc).startswith(k)), "deck")
        raise ConfigError(f"{where(key)}: {exc}") from None


_LISTS = {"exclude": "'drafts/'", "flashcard_tags": "'#flashcards'"}
"""The settings that are a list of text (or one text), with an example item."""


def _check_list(key: str, value: Any, where: str) -> None:
    """A list setting is text or a list of text; `exclude` patterns must be gitignore patterns."""
    items = [value] if isinstance(value, str) else value
    if value is not None and not (isinstance(items, list) and all(isinstance(v, str) for v in items)):
        raise ConfigError(
            f"{where}: {key} must be a list of text like [{_LISTS[key]}], not {value!r} — quote each item"
        )
    if key == "exclude" and items and (at := bad_pattern(items)) is not None:
        raise ConfigError(f"{where}: exclude: {pattern_problem(items[at])}")


def _tags(value: Any) -> Any:
    """`flashcard_tags` as a tuple: one tag may be written without the list."""
    if isinstance(value, str):
        return tuple(value.replace(",", " ").split())
    return tuple(value) if isinstance(value, list) else value


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The settings in `path` and the line of each key, or a `path:line` error."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror}) — check its permissions") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text — save the file as UTF-8") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is None or mark.line >= len(text.splitlines()):  # found at the end: where it began
            mark = getattr(exc, "context_mark", None) or mark
        line = max(1, min(mark.line + 1, len(text.splitlines()))) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{line}: {problem} — {_YAML_HINT}") from None
    if loaded is None:
        return {}, {}
    if not isinstance(loaded, dict) or not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            f"{path}:1: expected `key: value` lines, found a {type(loaded).__name__} — "
            "write settings like deck: '{source}::{title}'"
        )
    lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return {str(k): v for k, v in loaded.items()}, lines


def template_path(name: str, override: Path | None = None) -> Path:
    """A template file: from the user's `--templates` folder if it has one, else the built-in."""
    if override is not None and (override / name).is_file():
        return override / name
    packaged = Path(__file__).parent / "templates"  # where the wheel puts `templates/`
    base = packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "templates"
    return base / name


def bad_pattern(lines: Sequence[str]) -> int | None:
    """The index of the first line gitignore syntax cannot read (a lone `!` or `\\`), or None."""
    for i, line in enumerate(lines):
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except ValueError:
            return i
    return None


def pattern_problem(line: str) -> str:
    """What is wrong with a line `bad_pattern` found, and what to do."""
    return (
        f"{line!r} is not a gitignore pattern (a lone `!` or a trailing `\\`) — write `!name` to keep "
        "a file the patterns above leave out, `\\!name` for a name that starts with !, or remove it"
    )
