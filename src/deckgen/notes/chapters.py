"""Chapter lines, as people copy them from a YouTube description: `0:02:46 - Code implementation`,
`02:46 Code implementation`, `- 00:00 Intro`, `1. **12:30** – Results`.

Each is a moment of the note's video with a title: a chapter block (`kind="chapter"`), whose moment
dates the cards after it, and which is never a card itself (a title alone teaches nothing).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Block, Timestamp
from .stamps import format_time, parse_time

_CHAPTER = re.compile(r"(\d{1,2}:\d{2}(?::\d{2})?)(?:\s*[-–—:|]\s*|\s+)(?=\S)")
"""A time without brackets opening the text, then its separator (a dash, a colon or a space)."""
MIN_CHAPTERS = 2
"""A list of chapters has at least two: one line starting with a time (`10:30 Registration`)
may be a clock time, not a moment."""


def chapters(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """The blocks with chapter lines read as chapters, when the note has at least `MIN_CHAPTERS`."""
    found = {i: moment for i, b in enumerate(blocks) if (moment := _chapter(b)) is not None}
    if len(found) < MIN_CHAPTERS:
        return blocks
    return tuple(_as_chapter(b, *found[i]) if i in found else b for i, b in enumerate(blocks))


def _chapter(block: Block) -> tuple[int, int] | None:
    """The seconds and title offset of a chapter line; None for any other block (one whose
    moment is bracketed, `[02:46]`, is a note of that moment, already read)."""
    if block.stamps or block.term or not (m := _CHAPTER.match(block.text)):
        return None
    seconds = parse_time(m.group(1))
    return None if seconds is None else (seconds, m.end())


def _as_chapter(block: Block, seconds: int, start: int) -> Block:
    stamp = Timestamp(seconds, format_time(seconds))
    return replace(block, kind="chapter", text=block.text[start:], stamps=((0, stamp),))
