"""YAML front matter → a dict, and the values deckgen reads from it, with clear messages."""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from ..errors import NoteError
from ..model import Problem, SourceRef


def front_matter(text: str, path: str) -> dict[str, Any]:
    """The front matter's mapping; a `NoteError` when it is not valid YAML or not a mapping."""
    try:
        data = yaml.safe_load(text)
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
