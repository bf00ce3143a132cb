"""YAML front matter → a dict, and the values deckgen reads from it, with clear messages."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import yaml

from ..errors import NoteError
from ..model import Problem, SourceRef


class _Alias(Exception):
    """An alias (`*name`) in front matter, at a 0-based line of the YAML."""

    def __init__(self, line: int) -> None:
        self.line = line


class _NoAliases(yaml.SafeLoader):
    """YAML's safe loader, refusing aliases: each `*name` repeats a whole value, so nine levels
    of lists of aliases (an "alias bomb", a few hundred bytes) expand to gigabytes. Front matter
    has no use for them."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise _Alias(self.peek_event().start_mark.line)  # type: ignore[no-untyped-call]
        return super().compose_node(parent, index)


def front_matter(text: str, path: str) -> dict[str, Any]:
    """The front matter's mapping; a `NoteError` when it is not valid YAML, uses aliases, or is
    not a mapping."""
    try:
        data = yaml.load(text, Loader=_NoAliases)  # a SafeLoader: no code runs
    except _Alias as alias:
        raise NoteError(
            path, alias.line + 2, "front matter uses a YAML alias (*name) — write the value out instead"
        ) from None
    except yaml.YAMLError as exc:
        # Where the broken construct starts (an unclosed `[`), else where YAML gave up.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        why = getattr(exc, "problem", None)
        raise NoteError(
            path,
            line,
            f"front matter is not valid YAML{f' ({why})' if why else ''} — fix it or remove the --- block",
        ) from None
    except (ValueError, OverflowError) as exc:  # e.g. `date: 2024-13-45` looks like a date
        raise NoteError(
            path, 1, f"front matter has a value YAML cannot read ({exc}) — put it in quotes"
        ) from None
    except RecursionError:
        raise NoteError(
            path, 1, "front matter is nested too deeply — write plain `key: value` lines"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise NoteError(path, 1, "front matter is not a mapping — write `key: value` lines")
    return data


def key_line(text: str, key: str) -> int:
    """The note's line where front matter `text` sets `key` (the first line when not found)."""
    found = re.search(rf"^{re.escape(key)}[ \t]*:", text, re.M)
    return text.count("\n", 0, found.start()) + 2 if found else 1


def meta_text(meta: dict[str, Any], key: str, path: str, problems: list[Problem]) -> str:
    """A front-matter value that must be text; anything else (a list, a mapping) is a warning."""
    value = meta.get(key)
    if value is None or isinstance(value, bool):  # `title: yes` is a YAML boolean, not "yes"
        if value is not None:
            problems.append(Problem(SourceRef(path, 1), f"`{key}: {value}` is not text — put it in quotes"))
        return ""
    if isinstance(value, (str, int, float, date)):
        return str(value).strip()
    kind = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "not text"
    problems.append(Problem(SourceRef(path, 1), f"`{key}` is {kind} — write it as `{key}: text` on one line"))
    return ""


def as_tags(value: object) -> tuple[str, ...]:
    """Front-matter `tags`, from a string or a list of scalars."""
    if isinstance(value, str):
        return tuple(value.replace(",", " ").split())
    if isinstance(value, list):  # nested lists are skipped: a YAML alias bomb would print forever
        return tuple(str(v) for v in value if isinstance(v, (str, int, float)) and not isinstance(v, bool))
    return ()
