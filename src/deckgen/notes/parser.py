"""The interface between the note reader and a Markdown parser, so that the parser can be swapped.

A parser turns a note's Markdown into its blocks; the reader (`reader.py`) does the rest (front
matter, title, video ID). `markdown.py` is the parser deckgen uses, over markdown-it-py; a faster
one only has to return the same `ParsedMarkdown` for the same text, which
`tests/test_notes_snapshot.py` checks over every note we have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..model import Block, Problem


@dataclass(frozen=True, slots=True)
class ParsedMarkdown:
    """What a note's Markdown says, before its front matter is read."""

    front_matter: str
    """The YAML between the opening `---` lines, unparsed; '' when there is none."""
    blocks: tuple[Block, ...]
    """Paragraphs and list items in reading order, with headings, terms and lists filled in."""
    source_id: str
    """From the first `From: [[id | Name]]` paragraph, which is not a block; '' when absent."""
    source_name: str
    problems: tuple[Problem, ...]
    """What could not be read: unclosed fences and HTML, deep nesting, malformed timestamps."""
    tags: tuple[str, ...] = ()
    """The `#tags` of the text, in order, each once."""


class Parser(Protocol):
    """Markdown `source` → `ParsedMarkdown`; `path` names the note in problems and errors.

    Raises `NoteError` only when the text cannot be parsed at all.
    """

    def __call__(self, source: str, path: str) -> ParsedMarkdown: ...
