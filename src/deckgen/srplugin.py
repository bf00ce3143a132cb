"""The Obsidian Spaced Repetition plugin's own settings, and Obsidian's, read from the vault.

A learner who changed the plugin's flashcard tags, separators or cloze styles wrote their cards
that way: deckgen reads `.obsidian/plugins/obsidian-spaced-repetition/data.json` of the vault
above the notes and uses those settings, unless `deckgen.yaml` (or an option) says otherwise.
Likewise Obsidian's own `.obsidian/app.json` says how the learner sees a single line break.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model import SEPARATORS

DATA_JSON = Path(".obsidian") / "plugins" / "obsidian-spaced-repetition" / "data.json"
APP_JSON = Path(".obsidian") / "app.json"
"""Obsidian's editor settings: `strictLineBreaks` decides whether a single newline breaks a line."""
_TOGGLES = {
    "convertHighlightsToClozes": "cloze_highlight",
    "convertBoldTextToClozes": "cloze_bold",
    "convertCurlyBracketsToClozes": "cloze_curly",
}
_PATTERN_LEADS = {"==": "cloze_highlight", "**": "cloze_bold", "{{": "cloze_curly"}
"""How each cloze style's pattern starts in `clozePatterns` (`==[123;;]answer[;;hint]==`)."""
_SEPARATORS = {
    "singleLineCardSeparator": "inline",
    "singleLineReversedCardSeparator": "inline_reversed",
    "multilineCardSeparator": "multiline",
    "multilineReversedCardSeparator": "multiline_reversed",
    "multilineCardEndMarker": "end",
}


VAULT_MARKERS = (Path(".obsidian"), Path("logseq") / "config.edn")
"""What marks a vault's top: Obsidian's settings folder, a Logseq graph's settings file (a bare
`logseq/` folder is too common a name: `~/logseq` would make the home folder the vault)."""


def vault_top(path: Path) -> Path | None:
    """The vault holding `path`: the nearest folder at or above it with one of `VAULT_MARKERS`."""
    start = Path(os.path.abspath(path))  # not resolve(): a symbolic link loop is read_note's to report
    for folder in (start, *start.parents) if start.is_dir() else start.parents:
        if any((folder / m).exists() for m in VAULT_MARKERS):
            return folder
    return None


def find_data_json(paths: Sequence[Path], name: Path = DATA_JSON) -> Path | None:
    """The settings file `name` (the plugin's, unless told) in the top folder of the vault
    holding the first of `paths` that has one."""
    for path in paths:
        top = vault_top(path)
        if top is not None and (top / name).is_file():
            return top / name
    return None


def _json(path: Path, what: str, hint: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}: the {what} are not valid JSON ({exc.msg}) — "
            f"fix them in Obsidian, or {hint}"
        ) from None


def app_settings(path: Path) -> dict[str, Any]:
    """Obsidian's `app.json` as `Config` fields: only `strict_line_breaks`, when it sets it."""
    data = _json(path, "Obsidian settings", "set strict_line_breaks in deckgen.yaml")
    strict = data.get("strictLineBreaks") if isinstance(data, dict) else None
    return {"strict_line_breaks": strict} if isinstance(strict, bool) else {}


def plugin_settings(path: Path) -> dict[str, Any]:
    """The plugin's settings as `Config` fields (only those its file sets)."""
    data = _json(path, "Spaced Repetition settings", "set flashcard_tags in deckgen.yaml")
    settings = data.get("settings", data) if isinstance(data, dict) else {}
    if not isinstance(settings, dict):
        return {}
    out: dict[str, Any] = {}
    tags = settings.get("flashcardTags")
    if isinstance(tags, list) and (tags := [t for t in tags if isinstance(t, str) and t.strip("# ")]):
        out["flashcard_tags"] = tuple(tags)
    for theirs, ours in _TOGGLES.items():
        if isinstance(value := settings.get(theirs), bool):
            out[ours] = value
    if settings.get("convertFoldersToDecks") is True:
        out["flashcard_decks"] = "folders"
    patterns = settings.get("clozePatterns")
    if isinstance(patterns, list):  # the plugin's own list wins over its three toggles
        leads = {p.lstrip()[:2] for p in patterns if isinstance(p, str)}
        out |= {ours: lead in leads for lead, ours in _PATTERN_LEADS.items()}
    seps = {ours: settings[theirs].strip() for theirs, ours in _SEPARATORS.items()
            if isinstance(settings.get(theirs), str) and settings[theirs].strip()}  # fmt: skip
    if seps:
        out["separators"] = replace(SEPARATORS, **seps)
    return out
