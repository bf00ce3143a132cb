"""Timestamps in note text: reading `HH:MM:SS` forms, and tidying text once anchors are gone."""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Block, Timestamp

STAMP = "\x00"
"""Stands for a timestamp inside text while the text is being tidied."""

_SEP_BETWEEN_STAMPS = re.compile(r"\x00[\s,;&\-–—]*(?:(?:and|to)\s*)?(?=\x00)")
_LEADING_DASH = re.compile(r"^([\s\x00]*\x00)\s*[-–—:|]\s+")
"""`[09:17]() - text`: the dash only separates the stamp from its line."""
_EMPTY_BRACKETS = re.compile(r"[(\[]([\s,;\x00]*)[)\]]")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_MARK = re.compile(r" +(?=[.,;:!?])")
_SPACE_BEFORE_STAMP = re.compile(r" +(?=\x00)")
_SPACE_AFTER_STAMP = re.compile(r"(\x00+) +(?=[.,;:!?)])")
_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII only: int() rejects "²", and huge numbers
_PART = re.compile(r"[0-9]{1,3}")


def parse_time(value: str) -> int | None:
    """Seconds for `HH:MM:SS`, `H:MM:SS`, `MM:SS`, `HH:MM:SS:FF` (frames dropped) or `2241`."""
    value = value.strip().strip("[]")
    if _NUMBER.fullmatch(value):
        return int(value)
    parts = value.split(":")
    if not 2 <= len(parts) <= 4 or not all(_PART.fullmatch(p) for p in parts):
        return None
    if len(parts) == 4:
        parts = parts[:3]
    nums = [int(p) for p in parts]
    if any(n >= 60 for n in nums[1:]):
        return None
    seconds = 0
    for n in nums:
        seconds = seconds * 60 + n
    return seconds


def format_time(seconds: int) -> str:
    """`09:17` below an hour, `1:02:03` above."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def fold(raw: str, found: list[Timestamp]) -> tuple[str, tuple[tuple[int, Timestamp], ...]]:
    """Tidy text around removed timestamps; return the text and each stamp's offset."""
    if "(" in raw or "[" in raw:
        raw = _EMPTY_BRACKETS.sub(lambda m: m.group(1).replace(" ", ""), raw)
    if not found and STAMP not in raw:  # most text has no stamps: only the spaces to tidy
        return _SPACE_BEFORE_MARK.sub("", _SPACES.sub(" ", raw)).strip(), ()
    raw = _SEP_BETWEEN_STAMPS.sub(STAMP, raw)
    raw = _LEADING_DASH.sub(r"\1", raw)
    raw = _SPACES.sub(" ", raw)
    raw = _SPACE_BEFORE_STAMP.sub("", raw)
    raw = _SPACE_AFTER_STAMP.sub(r"\1", raw)
    raw = _SPACE_BEFORE_MARK.sub("", raw).strip()
    pieces = raw.split(STAMP)
    text = "".join(pieces)
    lead = len(text) - len(text.lstrip())
    offsets: list[int] = []
    end = trailing = 0  # length so far, and how much of it is trailing whitespace
    for piece in pieces[:-1]:
        end += len(piece)
        stripped = len(piece.rstrip())
        trailing = trailing + len(piece) if stripped == 0 else len(piece) - stripped
        offsets.append(max(0, end - trailing - lead))
    return text.strip(), tuple(zip(offsets, found, strict=True))


def minutes_not_hours(blocks: tuple[Block, ...]) -> tuple[Block, ...] | None:
    """The blocks with their stamps read as `MM:SS:00`, when the note's stamps say so: every one
    ends in `:00`, as hours they would run past 2 hours, as minutes they stay under one; else None."""
    found = [t.seconds for b in blocks for _, t in b.stamps]
    if len(found) < 2 or any(s % 60 for s in found) or not 2 * 3600 < max(found) < 3600 * 60:
        return None

    def fix(t: Timestamp) -> Timestamp:
        return replace(t, seconds=t.seconds // 60, label=format_time(t.seconds // 60))

    return tuple(replace(b, stamps=tuple((o, fix(t)) for o, t in b.stamps)) for b in blocks)
