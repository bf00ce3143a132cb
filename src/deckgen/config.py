"""`deckgen.yaml` and command-line options → a validated `Config`."""

from __future__ import annotations

import string
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

DECK_FIELDS = ("source", "title", "folder")


@dataclass(frozen=True, slots=True)
class Config:
    """Build settings. Every field has a default, so `deckgen.yaml` is optional."""

    deck: str = "{source}::{title}"
    """Deck name template; `::` separates deck levels. Fields: {source}, {title}, {folder}."""
    root: str = ""
    """Optional parent deck for every deck, e.g. `Talks`."""
    templates: Path | None = None
    """Folder with card and sheet templates overriding the built-in ones."""
    exclude: tuple[str, ...] = ()
    """Files and folders under each input folder that are not notes, in gitignore syntax
    (`drafts/`, `templates/`, `*.excalidraw.md`); `.deckgenignore` files add to it."""

    def __post_init__(self) -> None:
        names = {f for _, f, _, _ in string.Formatter().parse(self.deck) if f is not None}
        if unknown := names - set(DECK_FIELDS):
            raise ConfigError(
                f"deck template {self.deck!r} uses {', '.join(sorted(unknown))} — "
                f"use only {{source}}, {{title}} and {{folder}}"
            )


def load_config(path: Path | None, **overrides: Any) -> Config:
    """Read `path` (if given and present), then apply the non-None `overrides`."""
    data: dict[str, Any] = {}
    if path is not None and path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
            raise ConfigError(f"{path}: cannot read it ({exc}) — fix the YAML") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected `key: value` lines")
        data = loaded or {}
    known = {f.name for f in fields(Config)}
    if unknown := set(data) - known:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))} — known: {', '.join(sorted(known))}"
        )
    if data.get("templates") is not None and path is not None:
        data["templates"] = (path.parent / str(data["templates"])).resolve()
    merged = {**data, **{k: v for k, v in overrides.items() if v is not None}}
    default = Config()
    return Config(
        deck=str(merged.get("deck", default.deck)),
        root=str(merged.get("root") or ""),
        templates=Path(merged["templates"]) if merged.get("templates") else None,
        exclude=(merged["exclude"],)
        if isinstance(merged.get("exclude"), str)
        else tuple(merged.get("exclude") or ()),
    )


def template_path(name: str, override: Path | None = None) -> Path:
    """A template file: from the user's `--templates` folder if it has one, else the built-in."""
    if override is not None and (override / name).is_file():
        return override / name
    packaged = Path(__file__).parent / "templates"  # where the wheel puts `templates/`
    base = packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "templates"
    return base / name
