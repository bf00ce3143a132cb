"""Claims → cards: what the learner sees (plain fields, timestamp URLs, tags, the deck by topic)."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Any
from urllib.parse import quote

from ..config import Config
from ..model import WRITTEN_KINDS, Card, Claim, Face, Link, Note, TextForm
from ..notes.media import images_in
from ..text import slug, without_controls


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


def tag_deck(tag: str, config: Config) -> str:
    """The deck a flashcard tag names, as Spaced Repetition does: `#flashcards/math` →
    `flashcards::math`, under the optional root deck."""
    levels = [deck_part(p) for p in tag.lstrip("#").split("/") if p.strip()]
    return "::".join([deck_part(config.root)] * bool(config.root) + levels)


def flashcard_deck(note: Note, claim: Claim, config: Config) -> str:
    """The deck of a Spaced Repetition card (`Config.flashcard_decks`): the deck template when
    one is set, else the note's folders when the plugin converts folders to decks (a note at the
    top keeps its tag's deck, as it has no folder), else the flashcard tag's deck."""
    if config.flashcard_decks == "deck":
        return deck_name(note, config)
    if config.flashcard_decks == "folders" and note.folder:
        levels = [deck_part(p) for p in note.folder.split("/")]
        return "::".join([deck_part(config.root)] * bool(config.root) + levels)
    return tag_deck(claim.deck, config)


def anki_tag(text: str) -> str:
    """A valid Anki tag: no spaces, `::` (or Obsidian's `a/b`) as Anki's tag hierarchy."""
    return "::".join(p for p in (slug(part, "_") for part in re.split(r"::|/", text)) if p)


def card_tags(note: Note, claim: Claim) -> tuple[str, ...]:
    """Tags from the note's source, its front-matter tags and the claim's wiki links."""
    raw = [note.source_id, *note.tags, *claim.links]
    return tuple(sorted({t for t in map(anki_tag, raw) if t}))


def _highlight(context: str, answer: str) -> tuple[int, int]:
    at = context.find(answer) if answer else -1
    return (at, at + len(answer)) if at >= 0 else (0, 0)


def make_face(note: Note, claim: Claim, config: Config) -> Face:
    """What the learner sees of one claim's card: its text without control characters (Anki
    splits a note's fields at \x1f, so one in a title made a note Anki refused)."""
    face = _raw_face(note, claim, config)
    clean = {f.name: _clean(getattr(face, f.name)) for f in fields(face)}
    if all(clean[f.name] == getattr(face, f.name) for f in fields(face)):
        return face
    face = replace(face, **clean)
    return replace(face, highlight=_highlight(face.context, face.answer))


def _clean(value: Any) -> Any:
    """A face's text, or tuple of texts, without control characters; other values as they are."""
    if isinstance(value, str):
        return without_controls(value)
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return tuple(map(without_controls, value))
    return value


def _raw_face(note: Note, claim: Claim, config: Config) -> Face:
    return Face(
        kind=claim.kind,
        deck=flashcard_deck(note, claim, config) if claim.deck else deck_name(note, config),
        tags=card_tags(note, claim),
        title=note.title,
        section=claim.section,
        lead=claim.lead,
        question=claim.question,
        answer=claim.answer,
        items=claim.items,
        context=claim.context,
        highlight=_highlight(claim.context, claim.answer),
        timestamps=tuple(
            Link(t.label, video_url(t.video or note.video_id, t.seconds))
            for t in claim.timestamps
            if t.video or note.video_id
        ),
        source=note.source_name,
        media=tuple(image for image, _ in images_in(claim, note)),
        note_url=obsidian_url(config.obsidian_vault, note.path),
        markdown=text_form(claim, config),
    )


def text_form(claim: Claim, config: Config) -> TextForm:
    """A hand-written card's text is its author's Markdown, with the vault's line breaks; any
    other card's is plain text."""
    if claim.kind not in WRITTEN_KINDS:
        return ""
    return "strict" if config.strict_line_breaks else "breaks"


def obsidian_url(vault: str, path: str) -> str:
    """The link that opens a note in Obsidian; '' without a vault name."""
    if not vault:
        return ""
    return f"obsidian://open?vault={quote(vault, safe='')}&file={quote(path.removesuffix('.md'), safe='')}"


def make_card(note: Note, claim: Claim, face: Face, guid: str, mtime: int) -> Card:
    """One card: the claim's face with the identity `identity.reconcile` gave it."""
    files = tuple(path for _, path in images_in(claim, note))
    line = claim.source.line
    return Card(guid, mtime, claim.key, face, note.path, line, files=files, schedule=claim.schedule)
