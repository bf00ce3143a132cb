"""`deckgen.push.json`: what push last wrote into each collection, per GUID.

Kept apart from the lock because it is per collection (a learner may push one set of notes
into several profiles). JSON, one collection per key, written atomically; a file that does not
parse stops the push rather than being guessed at.

A collection is known by an ID stored inside it, not by where it is: the first push writes
`_deckgen-collection.txt` into its media folder (a leading underscore keeps Anki's media check
from removing it, and AnkiWeb syncs it), which both backends read and write. So the records hold
when the project folder moves, on another computer, and through `--collection` or
`--ankiconnect` alike. Records of version 1 were keyed by the collection's path or AnkiConnect's
URL: found there once, they move to the collection's ID.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from ..files import atomic_write
from .collection import PushError
from .plan import Record

VERSION = 2
READS = (1, VERSION)
"""The versions read: 1 keyed collections by path or URL."""
MARKER = "_deckgen-collection.txt"
"""The file in the collection's media folder that holds its ID for push."""
_ID = re.compile(r"[0-9a-f]{32}")


class Media(Protocol):
    """The part of a backend the collection's ID is kept through."""

    name: str

    def read_media(self, name: str) -> bytes | None: ...
    def store_media(self, name: str, data: bytes) -> None: ...


def collection_id(backend: Media, *, create: bool) -> str | None:
    """The collection's ID; a new one is written into it when it has none and `create` is set
    (else None)."""
    data = backend.read_media(MARKER)
    if data is not None:
        text = data.decode("utf-8", "replace").strip()
        if not _ID.fullmatch(text):
            raise PushError(
                f"{backend.name}: the media file {MARKER} does not hold deckgen's collection ID — "
                "restore it from a backup, or delete it (push then treats every card as imported "
                "from a .apkg)"
            )
        return text
    if not create:
        return None
    new = uuid.uuid4().hex
    backend.store_media(MARKER, (new + "\n").encode("ascii"))
    return new


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
    if not (
        isinstance(data, dict) and data.get("version") in READS and isinstance(data.get("collections"), dict)
    ):
        raise PushError(f"{path}: push's records have an unknown format — upgrade deckgen")
    return data


def stored_under(path: Path, key: str) -> bool:
    """Whether records are kept under `key`."""
    return key in _read(path)["collections"]


def load_records(path: Path, collection: str) -> dict[str, Record]:
    """The records of one collection, by GUID; none when push never wrote there."""
    rows = _read(path)["collections"].get(collection, {})
    try:
        return {
            guid: Record(
                **{**row, "tags": tuple(row.get("tags", ())), "restore": tuple(row.get("restore", ()))}
            )
            for guid, row in rows.items()
        }
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
        **({"restore": list(r.restore)} if r.restore else {}),
    }


def save_records(path: Path, collection: str, records: Mapping[str, Record], *, moved_from: str = "") -> None:
    """Replace the records of one collection, keeping the others' (but for those under
    `moved_from`, the key they were read from before the collection had its ID)."""
    data = _read(path)
    data["version"] = VERSION
    data["collections"].pop(moved_from, None)
    data["collections"][collection] = {g: _row(r) for g, r in sorted(records.items())}
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    atomic_write(path, text.encode("utf-8"))
