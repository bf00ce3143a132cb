"""What identifies a claim across builds, and the GUID Anki matches notes by."""

from __future__ import annotations

import hashlib

from .model import Claim, Note
from .text import slug

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def note_identity(note: Note) -> str:
    """The note's video and title: unchanged by moving the file or editing its text."""
    return f"{note.video_id}/{slug(note.title)}"


def fingerprint(note: Note, claim: Claim) -> str:
    """The claim's identity: its note plus its key within the note (never the build time)."""
    return f"{note_identity(note)}/{claim.key}"


def guid_for(fingerprint: str) -> str:
    """A 12-character GUID derived only from the fingerprint."""
    n = int.from_bytes(hashlib.sha256(fingerprint.encode("utf-8")).digest()[:9], "big")
    out = []
    for _ in range(12):
        n, r = divmod(n, len(_ALPHABET))
        out.append(_ALPHABET[r])
    return "dg" + "".join(out)
