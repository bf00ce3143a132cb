"""Per-note cache in `out/.deckgen-cache/`: what an unchanged note gave last time.

The key is a hash of the note's bytes, where it sits, the settings that shape its cards and
deckgen's own code (`code_digest`), so a hit is exactly what parsing and extracting the note
again would give. Entries are JSON read back against the type they hold (`codec`): an entry
planted in a shared `out/` can make no code run, and one that does not fit is a miss.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import orjson

from .. import files
from ..codec import decoder, encode
from ..config import Config
from ..files import atomic_write

CACHE_NAME = ".deckgen-cache"
IMAGES_NAME = ".deckgen-images"
"""Beside the note cache: the images downloaded when `remote_images` is `download`."""


def note_key(data: bytes, display: str, folder: str, config: Config) -> str:
    """The cache key of one note file's bytes as read under these settings by this code."""
    h = hashlib.sha256(f"{files.code_digest()}\x1f{display}\x1f{folder}\x1f{config!r}\x1f".encode())
    h.update(data)
    return h.hexdigest()


def _path(folder: Path, key: str) -> Path:
    return folder / key[:2] / f"{key}.json"


def load(folder: Path, key: str, kind: Any) -> Any | None:
    """The cached result for `key`, read as the type `kind`, or None (a missing, unreadable or
    malformed entry is a miss)."""
    try:
        data = orjson.loads(_path(folder, key).read_bytes())
        return decoder(kind)(data)
    except (OSError, ValueError, RecursionError):
        return None


def store(folder: Path, key: str, value: Any) -> bool:
    """Remember `value`; a cache that cannot be written only makes the next build slower
    (returns False then)."""
    path = _path(folder, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Not flushed to disk: after a crash a torn entry only reads as a miss (see `load`), and
        # one fsync per note was a twentieth of a cold build.
        data = orjson.dumps(encode(value))
        atomic_write(path, data, durable=False)
    except (OSError, TypeError, ValueError):  # (orjson: a value it cannot write is a TypeError)
        return False
    return True


def prune(folder: Path, keep: set[str]) -> None:
    """Forget entries this build did not use, so the cache does not grow without end."""
    if not folder.is_dir():
        return
    for entry in os.scandir(folder):
        if entry.is_dir():
            for item in os.scandir(entry.path):
                if item.name.removesuffix(".json") not in keep:  # (entries of old formats go too)
                    Path(item.path).unlink(missing_ok=True)
