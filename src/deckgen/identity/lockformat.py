"""The lock's format: its version, where its files are, checking the values of a lock file, and
migrating older formats (format 1 was one JSON file)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from ..files import exclusive

VERSION = 2
"""The lock format this deckgen writes."""

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def folder_of(lock: Path) -> Path:
    """The folder of per-note entry files beside the index `lock`."""
    return lock.with_name(lock.name + ".d")


def split_into_files(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 → 2: the same notes and claims; only where they are written changes."""
    return data


MIGRATIONS: dict[int, Migration] = {1: split_into_files}
"""Version n → the step that turns a lock's JSON `{"version", "notes": {path: note}}` of
format n into format n + 1."""


def migrate(data: dict[str, Any], from_version: int) -> dict[str, Any]:
    """The lock's JSON `data`, of format `from_version`, brought to format `VERSION` one step
    at a time; a version with no step to the next is not a lock deckgen ever wrote."""
    version = from_version
    while version < VERSION:
        if version not in MIGRATIONS:
            raise ValueError(f"no migration from lock format {version}")
        data = MIGRATIONS[version](data)
        version += 1
        data["version"] = version
    return data


def text_field(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{str(value)[:20]!r} is not a text")
    return value


def time_field(value: Any) -> int:
    """A modification time as Anki stores it (a 64-bit integer)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise ValueError(f"modification time {str(value)[:20]!r} is not a time")
    return value


def recovery(lock: Path) -> str:
    return (
        "the lock was changed outside deckgen (a merge that kept one side's lines, or an edit): "
        f"restore {lock.name} and its .d folder together from one commit (git checkout <commit> -- "
        f"{lock.name} {folder_of(lock).name}) and build again; never merge the lock line by line"
    )


def guard(lock: Path | None, wait: float) -> AbstractContextManager[None]:
    """Only one deckgen writes a lock at a time, whatever output folder each writes into (two
    builds reading one lock before either writes it would mint its new GUIDs twice)."""
    return exclusive(folder_of(lock), wait) if lock is not None else nullcontext()
