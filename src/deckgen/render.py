"""Card faces → the HTML the writers show: one renderer for the `.apkg` fields and the sheets.

Note text never becomes markup: every piece is escaped here, and nh3 cleans the result as a
last line of defence.
"""

from __future__ import annotations

from html import escape

import nh3

from .model import BLANK, Card, Face

BLANK_HTML = '<span class="blank">_____</span>'
_CLEANER = nh3.Cleaner(
    tags={"div", "span", "b", "i"}, attributes={"div": {"class"}, "span": {"class"}}, url_schemes=set()
)


def safe_html(fragment: str) -> str:
    """Markup outside a small allow-list (scripts, event handlers, iframes, styles, links) is
    dropped by nh3. Fields are escaped before this, so it changes nothing unless something
    upstream went wrong."""
    return _CLEANER.clean(fragment) if "<" in fragment else fragment  # no tag, nothing to clean


def topic(face: Face) -> str:
    """`Note title › section`, shown above the question (plain text)."""
    return " › ".join(p for p in (face.title, *face.section) if p)


def question_html(face: Face) -> str:
    """The question with its blank and, above it, the lead-in that gives it context."""
    q = escape(face.question).replace(BLANK, BLANK_HTML)
    lead = f'<div class="lead">{escape(face.lead)}</div>' if face.lead else ""
    return safe_html(lead + q)


def answer_html(face: Face) -> str:
    """The answer."""
    return safe_html(escape(face.answer))


def context_html(face: Face) -> str:
    """The source sentence or bullet."""
    return safe_html(escape(face.context))


def source_text(card: Card) -> str:
    """Where the card comes from: the source's name, else the note's path."""
    return card.face.source or card.note_path


def links_html(face: Face) -> str:
    """A `▶ mm:ss` link per moment."""
    return " ".join(f'<a href="{escape(t.url)}">▶ {escape(t.label)}</a>' for t in face.timestamps)
