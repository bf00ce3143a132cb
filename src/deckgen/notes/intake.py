"""A note file → its text: refuses what is not a Markdown note (too big, binary, UTF-16, not UTF-8,
a pipe or device, a broken link) with a `NoteError` that says what to do."""

from __future__ import annotations

import errno
import hashlib
import stat
from pathlib import Path

from ..errors import NoteError

MAX_NOTE_BYTES = 2 * 1024 * 1024
"""Larger files are refused unread: the biggest real notes are a few hundred KB, a 1 MB note
of prose takes about a second, but markdown-it-py needs up to ~17 s per MB of pathological input
(a megabyte of `![`), and a log or dump named `.md` could be any size."""


def read_text(path: Path, shown: str) -> tuple[str, str]:
    """The file's text and the sha256 of its bytes; `shown` names the file in errors."""
    data = _read_bytes(path, shown)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NoteError(shown, 1, "the file is UTF-16, not UTF-8 — re-save it as UTF-8")
    if b"\x00" in data[:8192]:
        raise NoteError(shown, 1, "this is a binary file, not Markdown — remove it or rename it")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise NoteError(
            shown, line, f"the file is not UTF-8 (byte 0x{byte:02x}) — re-save it as UTF-8"
        ) from None
    return source, hashlib.sha256(data).hexdigest()


def _read_bytes(path: Path, shown: str) -> bytes:
    """The file's bytes; a pipe, a device or a file too big to be a note is refused unread."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise NoteError(shown, 1, "this is not a regular file (a pipe, device or folder) — remove it")
        with path.open("rb") as f:
            data = f.read(MAX_NOTE_BYTES + 1)
    except OSError as exc:
        raise NoteError(shown, 1, _unreadable(exc)) from None
    if len(data) > MAX_NOTE_BYTES:
        raise NoteError(
            shown,
            1,
            f"the file is over {MAX_NOTE_BYTES // 2**20} MB, too big for a note — split it into notes",
        )
    return data


def _unreadable(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "the file is a symbolic link that loops back on itself — fix or remove the link"
    if exc.errno == errno.ENOENT:
        return "the file is gone, or is a symbolic link to nothing — fix or remove the link"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read the file (permission denied) — check its permissions (chmod +r)"
    return f"cannot read the file ({exc.strerror or exc}) — check that it is readable"
