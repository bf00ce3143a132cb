"""`deckgen.lock`: the identity file, read before a build and written after a successful one.

JSON with sorted notes and claims in reading order, so that it diffs well under version
control. A lock that does not parse stops the build: starting over would mint new GUIDs and
duplicate every card in the learner's collection.

The format carries a version. A change of format bumps `VERSION` and adds a step to
`MIGRATIONS` that turns the JSON of the version before into the new one, so every older lock
still reads (and is written back in the new format by the next build). A lock newer than this
deckgen is refused rather than guessed at.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from .errors import BuildError
from .files import atomic_write
from .identity import Entry, NoteEntry

VERSION = 1
"""The lock format this deckgen writes."""
Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}
"""Version n → the step that turns a lock of format n into format n + 1 (none yet)."""
_FIELDS = tuple(f.name for f in fields(Entry))
_ROW = json.JSONEncoder(ensure_ascii=False)
_HINT = (
    "restore it from version control or a backup; delete it only if you never imported the decks "
    "(deckgen would give every card a new identity and Anki would duplicate them)"
)


def read_lock(path: Path) -> list[NoteEntry]:
    """The notes the lock remembers; none when it does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: cannot read the lock file ({exc}) — {_HINT}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BuildError(
            f"{path}:{exc.lineno}: the lock file is not valid JSON ({exc.msg}) — {_HINT}"
        ) from None
    found = data.get("version") if isinstance(data, dict) else None
    if isinstance(found, int) and found > VERSION:
        raise BuildError(
            f"{path}: the lock file has format {found}, newer than this deckgen reads ({VERSION}) — "
            "upgrade deckgen; the lock is left as it is"
        )
    try:
        return _parse(migrate(data, found) if isinstance(found, int) else data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BuildError(
            f"{path}: the lock file does not match deckgen's format ({exc!r}) — {_HINT}"
        ) from None


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


def _entry(raw: dict[str, Any]) -> Entry:
    return Entry(
        guid=str(raw["guid"]), key=str(raw["key"]), kind=str(raw["kind"]), hash=str(raw["hash"]),
        mtime=int(raw["mtime"]), deck=str(raw["deck"]), question=str(raw["question"]),
        answer=str(raw["answer"]), ranked_out=bool(raw.get("ranked_out", False)),
    )  # fmt: skip


def _parse(data: Any) -> list[NoteEntry]:
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError(f"expected an object with version {VERSION}")
    notes = []
    for path, raw in data["notes"].items():
        notes.append(
            NoteEntry(
                path=str(path), identity=str(raw["identity"]), sha256=str(raw["sha256"]),
                claims=tuple(_entry(e) for e in raw["claims"]),
                retired=tuple(_entry(e) for e in raw.get("retired", [])),
            )
        )  # fmt: skip
    return notes


def dump_lock(notes: list[NoteEntry]) -> str:
    """The lock's text: deterministic, one claim per line so that edits diff well."""

    def claims(entries: tuple[Entry, ...]) -> str:
        rows = [_ROW.encode({f: getattr(e, f) for f in _FIELDS if f != "ranked_out" or e.ranked_out})
                for e in entries]  # fmt: skip
        return "[" + ",".join(f"\n    {r}" for r in rows) + ("\n   ]" if rows else "]")

    parts = [
        f"  {json.dumps(n.path, ensure_ascii=False)}: {{\n"
        f'   "identity": {json.dumps(n.identity, ensure_ascii=False)},\n'
        f'   "sha256": {json.dumps(n.sha256)},\n'
        f'   "claims": {claims(n.claims)},\n'
        f'   "retired": {claims(n.retired)}\n  }}'
        for n in sorted(notes, key=lambda n: n.path)
    ]
    return f'{{\n "version": {VERSION},\n "notes": {{\n' + ",\n".join(parts) + "\n }\n}\n"


def write_lock(path: Path, notes: list[NoteEntry]) -> None:
    """Write the lock atomically: a crash leaves the old one whole."""
    atomic_write(path, dump_lock(notes).encode("utf-8"))
