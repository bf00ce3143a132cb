"""`deckgen.push.json`: what push last wrote into each collection, per GUID.

Kept apart from the lock because it is per collection (a learner may push one set of notes
into several profiles). JSON, one collection per key (its path, or AnkiConnect's URL), written
atomically; a file that does not parse stops the push rather than being guessed at.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..files import atomic_write
from .collection import PushError
from .plan import Record

VERSION = 1


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": VERSION, "collections": {}}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PushError(
            f"{path}: cannot read push's records ({exc}) — restore it from version control, or delete "
            "it (push then treats every card as imported from a .apkg)"
        ) from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise PushError(f"{path}: push's records have an unknown format — upgrade deckgen")
    return data


def load_records(path: Path, collection: str) -> dict[str, Record]:
    """The records of one collection, by GUID; none when push never wrote there."""
    rows = _read(path)["collections"].get(collection, {})
    try:
        return {guid: Record(**{**row, "tags": tuple(row.get("tags", ()))}) for guid, row in rows.items()}
    except TypeError as exc:
        raise PushError(f"{path}: a record does not match push's format ({exc})") from None


def _row(r: Record) -> dict[str, Any]:
    return {
        "nid": r.nid,
        "deck": r.deck,
        "fields": r.fields,
        "built": r.built,
        "retired": r.retired,
        "tags": list(r.tags),
    }


def save_records(path: Path, collection: str, records: Mapping[str, Record]) -> None:
    """Replace the records of one collection, keeping the others'."""
    data = _read(path)
    data["collections"][collection] = {g: _row(r) for g, r in sorted(records.items())}
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    atomic_write(path, text.encode("utf-8"))
