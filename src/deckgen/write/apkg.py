"""Decks → `.apkg` files. The only module that imports genanki.

The note type's ID, name, field names and template name are part of every learner's
collection: if any of them changes, Anki makes a copy of the note type and stops updating
the notes already imported. `tests/test_write_apkg.py` pins them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
import zipfile
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from ..cards import render
from ..cards.mathguard import guard
from ..config import template_path
from ..model import Card, Deck

MODEL_ID = 1_842_605_171
MODEL_NAME = "deckgen"
FIELDS = ("Question", "Answer", "Context", "Topic", "Timestamps", "Source", "Status")
TEMPLATE_NAME = "Recall"
CLOZE_MODEL_ID = 1_842_605_172
CLOZE_MODEL_NAME = "deckgen cloze"
CLOZE_FIELDS = ("Text", "Extra", "Topic", "Timestamps", "Source", "Status")
CLOZE_TEMPLATE_NAME = "Cloze"
"""The Cloze note type, pinned like the basic one: Anki makes one card per deletion number."""


def note_type_text(templates: Path | None = None) -> tuple[str, str, str]:
    """The card templates' front, back and CSS."""
    names = ("card_front.html", "card_back.html", "card.css")
    front, back, css = (template_path(n, templates).read_text(encoding="utf-8") for n in names)
    return front, back, css


def _model(
    ids: tuple[int, str, str], fields: tuple[str, ...], names: tuple[str, str, str], templates: Path | None,
    model_type: int = genanki.Model.FRONT_BACK,
) -> genanki.Model:  # fmt: skip
    model_id, name, template = ids
    front, back, css = (template_path(n, templates).read_text(encoding="utf-8") for n in names)
    return genanki.Model(
        model_id, name, fields=[{"name": f} for f in fields],
        templates=[{"name": template, "qfmt": front, "afmt": back}], css=css, model_type=model_type,
    )  # fmt: skip


def note_type(templates: Path | None = None) -> genanki.Model:
    """The one deckgen note type, with front, back and CSS from the template files."""
    names = ("card_front.html", "card_back.html", "card.css")
    return _model((MODEL_ID, MODEL_NAME, TEMPLATE_NAME), FIELDS, names, templates)


def cloze_note_type(templates: Path | None = None) -> genanki.Model:
    """The Cloze note type, for hand-written cloze cards (the basic CSS, its own templates)."""
    names = ("cloze_front.html", "cloze_back.html", "card.css")
    ids = (CLOZE_MODEL_ID, CLOZE_MODEL_NAME, CLOZE_TEMPLATE_NAME)
    return _model(ids, CLOZE_FIELDS, names, templates, genanki.Model.CLOZE)


def deck_id(name: str) -> int:
    """A stable deck ID from the deck's name."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:6], "big") + (1 << 50)


def card_fields(card: Card) -> list[str]:
    """The card's field values as HTML, in `FIELDS` order (`CLOZE_FIELDS` for a cloze card)."""
    face = card.face
    rest = [
        render.safe_html(escape(render.topic(face))),
        render.links_html(face),
        render.source_html(card),
        card.status,
    ]
    if face.kind == "cloze":  # its text's parts are guarded one by one (`render.cloze_html`)
        return [render.cloze_html(face), *map(guard, [render.extra_html(face), *rest])]
    shown = (render.question_html(face), render.answer_html(face), render.context_html(face))
    # Every field, as Anki typesets math in each: only allowed formulas stay formulas.
    return [*map(render.mathjax, shown), *map(guard, rest)]


class _Note(genanki.Note):  # type: ignore[misc]
    """A genanki note that carries its own modification time instead of the build time."""

    def __init__(self, mtime: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mtime = mtime

    def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
        super().write_to_db(cursor, self.mtime or timestamp, deck_id, id_gen)


def write_package(decks: Sequence[Deck], path: Path, now: int, templates: Path | None = None) -> Path:
    """Write `decks` to one `.apkg` at `path` (the caller stages it); `now` stamps notes
    without an mtime."""
    model, cloze = note_type(templates), cloze_note_type(templates)
    gdecks = []
    for deck in decks:
        gdeck = genanki.Deck(deck_id(deck.name), deck.name)
        for due, card in enumerate(deck.cards):
            gdeck.add_note(
                _Note(card.mtime, model=cloze if card.kind == "cloze" else model,
                      fields=card_fields(card), guid=card.guid,
                      tags=list(card.face.tags), due=due)
            )  # fmt: skip
        gdecks.append(gdeck)
    # genanki's write_to_file builds the collection in a file-backed SQLite database (slow:
    # every script is synced to disk, ~0.1 s per package, and the temp file is never removed).
    # Its own write_to_db into an in-memory database, zipped as write_to_file does, is the same
    # package.
    conn = sqlite3.connect(":memory:")
    try:
        _write_collection(conn.cursor(), gdecks, now)
        conn.commit()
        collection = conn.serialize()
    finally:
        conn.close()
    files = render.media_files(c for d in decks for c in d.cards)
    with zipfile.ZipFile(path, "w") as apkg:
        apkg.writestr("collection.anki2", collection)
        # Anki's media map: zip member "0" is the file the collection calls by the name given
        for i, data in enumerate(files.values()):
            apkg.writestr(str(i), data)
        apkg.writestr("media", json.dumps({str(i): name for i, name in enumerate(files)}))
    return path


def _write_collection(cursor: sqlite3.Cursor, gdecks: Sequence[genanki.Deck], now: int) -> None:
    """What genanki's `Package.write_to_db` writes, with the deck and note-type lists written
    once: genanki rewrites both (and renders every note type) once per deck, so a package of
    one source with a thousand topic decks took seconds in that alone."""
    cursor.executescript(APKG_SCHEMA)
    cursor.executescript(APKG_COL)
    decks = json.loads(cursor.execute("SELECT decks FROM col").fetchone()[0])
    decks.update({str(d.deck_id): d.to_json() for d in gdecks})
    cursor.execute("UPDATE col SET decks = ?", (json.dumps(decks),))
    last_deck = {note.model.model_id: (note.model, d.deck_id) for d in gdecks for note in d.notes}
    models = json.loads(cursor.execute("SELECT models FROM col").fetchone()[0])
    models.update({mid: model.to_json(now, did) for mid, (model, did) in last_deck.items()})
    cursor.execute("UPDATE col SET models = ?", (json.dumps(models),))
    ids = itertools.count(now * 1000)
    for d in gdecks:
        for note in d.notes:
            note.write_to_db(cursor, now, d.deck_id, ids)
