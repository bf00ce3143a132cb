"""Claims → cards: HTML fields, timestamp links, tags, the deck by topic, the GUID."""

from __future__ import annotations

import re
from html import escape

import nh3

from .config import Config
from .model import BLANK, Card, Claim, Note
from .text import slug

BLANK_HTML = '<span class="blank">_____</span>'
_CLEANER = nh3.Cleaner(
    tags={"div", "span", "b", "i"}, attributes={"div": {"class"}, "span": {"class"}}, url_schemes=set()
)


def safe_html(fragment: str) -> str:
    """The last line of defence for note text in card fields and sheets: markup outside a small
    allow-list (scripts, event handlers, iframes, styles, links) is dropped by nh3. Fields are
    escaped before this, so it changes nothing unless something upstream went wrong."""
    return _CLEANER.clean(fragment) if "<" in fragment else fragment  # no tag, nothing to clean


def video_url(video_id: str, seconds: int) -> str:
    """The YouTube link that opens the video at `seconds`."""
    return f"https://www.youtube.com/watch?v={video_id}&t={seconds}s"


def deck_part(text: str) -> str:
    """One level of a deck name: `::` inside a title must not open a surprise level."""
    return re.sub(r"\s+", " ", text.replace("::", ":")).strip() or "Untitled"


def deck_name(note: Note, config: Config) -> str:
    """The note's topic deck, from the config's template, under the optional root deck."""
    top = note.folder.split("/")[0] if note.folder else ""
    values = {
        "source": deck_part(note.source_name or top or "Notes"),
        "title": deck_part(note.title),
        # {folder} may add levels on purpose: one per sub-folder.
        "folder": "::".join(map(deck_part, note.folder.split("/"))) if note.folder else "Notes",
    }
    levels = [deck_part(p) for p in config.deck.format(**values).split("::")]
    return "::".join([deck_part(config.root)] * bool(config.root) + levels)


def anki_tag(text: str) -> str:
    """A valid Anki tag: no spaces, `::` kept as Anki's tag hierarchy."""
    return "::".join(p for p in (slug(part, "_") for part in text.split("::")) if p)


def card_tags(note: Note, claim: Claim) -> tuple[str, ...]:
    """Tags from the note's source, its front-matter tags and the claim's wiki links."""
    raw = [note.source_id, *note.tags, *claim.links]
    return tuple(sorted({t for t in map(anki_tag, raw) if t}))


def question_html(claim: Claim) -> str:
    """The question with its blank and, above it, the lead-in that gives it context."""
    q = escape(claim.question).replace(BLANK, BLANK_HTML)
    lead = f'<div class="lead">{escape(claim.lead)}</div>' if claim.lead else ""
    return lead + q


def make_card(note: Note, claim: Claim, config: Config) -> Card:
    """One card for one claim."""
    stamps = tuple((t.label, video_url(note.video_id, t.seconds)) for t in claim.timestamps if note.video_id)
    # The source, else the file; neither the line (moving a bullet must not change every card
    # below it) nor, when there is a source, the file name (renaming a file changes no card).
    where = note.source_name or note.path
    return Card(
        guid="",  # given by identity.reconcile, which knows the lock
        deck=deck_name(note, config),
        tags=card_tags(note, claim),
        topic=safe_html(escape(" › ".join((note.title, *claim.section)))),
        question=safe_html(question_html(claim)),
        answer=safe_html(escape(claim.answer)),
        context=safe_html(escape(claim.context)),
        timestamps=stamps,
        source=safe_html(escape(where)),
        claim=claim,
        note_path=note.path,
    )
