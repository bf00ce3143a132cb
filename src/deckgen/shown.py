"""Text as deckgen shows it on one line: file names with their control characters written out,
counts with their nouns. Only the standard library: the command line loads this at start."""

from __future__ import annotations

import re
import unicodedata


def printable(name: str) -> str:
    """A file name fit for a one-line message: control and invisible characters as `\\uXXXX`."""
    if name.isprintable():  # (no Cc, Cf, Zl or Zp character: a vault's worth of paths in C)
        return name
    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in name
    )


CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 and C1 control characters, but tab and line feed: no text shows them, Anki separates a
note's fields with \\x1f, and a terminal runs `ESC ]` and `\\x9b` sequences (OSC 52 writes the
clipboard)."""


def plural(count: int, word: str) -> str:
    """`1 card`, `2 cards`."""
    return f"{count} {word}{'' if count == 1 else 's'}"
