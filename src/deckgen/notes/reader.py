"""One note → a `Note`: the file's text (`intake.py`), its Markdown (a `Parser`), its front matter.

Notes are read as people write them, mistakes included: what can be read is read, the rest becomes
a warning that says what to do. Only a file that is not a Markdown note at all, or whose front
matter is broken, is refused with a `NoteError`.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import BLANK, Note, Problem, SourceRef
from ..text import printable, visible
from .explicit import read_explicit
from .frontmatter import as_tags, front_matter, meta_text
from .intake import read_text
from .markdown import parse_markdown
from .parser import Parser

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")


def parse_note(
    source: str, path: str, folder: str = "", digest: str = "", *, parser: Parser = parse_markdown
) -> Note:
    """Parse Markdown `source`; `path` is only used to name the note in messages and cards."""
    name, path = path, printable(path)
    source = visible(source).replace(BLANK, "")
    parsed = parser(source, path)
    meta = front_matter(parsed.front_matter, path)
    problems = [*_empty(source, path), *parsed.problems]
    # The title and source name stay as written (the deck is named after them); cards.py
    # escapes them like all other text.
    title = meta_text(meta, "title", path, problems) or visible(Path(name).stem).replace("_", " ")
    key = "videoId" if meta.get("videoId") is not None else "video_id"
    video_id = meta_text(meta, key, path, problems)
    if video_id and not _VIDEO_ID.fullmatch(video_id):
        problems.append(
            Problem(
                SourceRef(path, 1),
                f"videoId {video_id[:40]!r} is not a YouTube "
                "video ID (11 letters, digits, - or _) — cards get no links",
            )
        )
        video_id = ""
    return Note(
        path=path, title=title, video_id=video_id, source_id=parsed.source_id,
        source_name=parsed.source_name, folder=folder, tags=as_tags(meta.get("tags")),
        blocks=parsed.blocks, problems=tuple(problems), digest=digest,
        explicit=read_explicit(source, meta),
    )  # fmt: skip


def _empty(source: str, path: str) -> list[Problem]:
    if source.strip():
        return []
    return [Problem(SourceRef(path, 1), "the note is empty — write your notes in it, or delete it")]


def read_note(path: Path, display: str | None = None, folder: str = "") -> Note:
    """Read and parse one note file. Raises `NoteError` when it cannot be read as text."""
    name = display or str(path)
    source, digest = read_text(path, printable(name))
    return parse_note(source, name, folder, digest)
