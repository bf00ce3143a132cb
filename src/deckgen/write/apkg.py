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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import genanki
import orjson
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


def _genanki_decks(decks: Sequence[Deck], templates: Path | None) -> list[genanki.Deck]:
    """`decks` as genanki decks, each card a note due in its deck's reading order."""
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
    return gdecks


def write_package(decks: Sequence[Deck], path: Path, now: int, templates: Path | None = None) -> Path:
    """Write `decks` to one `.apkg` at `path` (the caller stages it); `now` stamps notes
    without an mtime."""
    # genanki's write_to_file builds the collection in a file-backed SQLite database (slow:
    # every script is synced to disk, ~0.1 s per package, and the temp file is never removed).
    # Its own write_to_db into an in-memory database, zipped as write_to_file does, is the same
    # package.
    conn = sqlite3.connect(":memory:")
    try:
        cursor = conn.cursor()
        cursor.executescript(APKG_SCHEMA)
        cursor.executescript(APKG_COL)
        listed = _json(cursor, "decks")
        _write_notes(cursor, _genanki_decks(decks, templates), now, itertools.count(now * 1000), listed)
        _set_models(cursor, now, templates, listed)
        conn.commit()
        collection = conn.serialize()
    finally:
        conn.close()
    files = render.media_files(c for d in decks for c in d.cards)
    _zip(path, collection, files)
    return path


def _zip(path: Path, collection: bytes, media: Mapping[str, bytes]) -> None:
    """The package file: the collection, then each media file as a numbered member and the map
    of numbers to the names the collection calls them by (Anki's layout)."""
    with zipfile.ZipFile(path, "w") as apkg:
        apkg.writestr("collection.anki2", collection)
        for i, data in enumerate(media.values()):
            apkg.writestr(str(i), data)
        apkg.writestr("media", json.dumps({str(i): name for i, name in enumerate(media)}))


def _json(cursor: sqlite3.Cursor, column: str) -> dict[str, Any]:
    """A JSON column of the collection's one `col` row (`decks`, `models`)."""
    found: dict[str, Any] = orjson.loads(cursor.execute(f"SELECT {column} FROM col").fetchone()[0])
    return found


def _set_json(cursor: sqlite3.Cursor, column: str, value: dict[str, Any]) -> None:
    # (orjson: a source's thousand deck entries are a megabyte; TEXT, as Anki reads it)
    cursor.execute(f"UPDATE col SET {column} = ?", (orjson.dumps(value).decode("utf-8"),))


def _write_notes(
    cursor: sqlite3.Cursor, gdecks: Sequence[genanki.Deck], now: int, ids: Iterator[int],
    decks: dict[str, Any],
) -> None:  # fmt: skip
    """What genanki's `Package.write_to_db` writes, with the deck list (`decks`, the `col`
    row's, updated here) written once: genanki rewrites it (and renders every note type) once
    per deck, so a package of one source with a thousand topic decks took seconds in that alone."""
    decks.update({str(d.deck_id): d.to_json() for d in gdecks})
    _set_json(cursor, "decks", decks)
    for d in gdecks:
        for note in d.notes:
            note.write_to_db(cursor, now, d.deck_id, ids)


def _set_models(cursor: sqlite3.Cursor, now: int, templates: Path | None, decks: dict[str, Any]) -> None:
    """The note types the package's notes use, each naming the last deck (by name, from the
    `col` row's `decks`) that holds one of its notes, as genanki does."""
    last: dict[int, tuple[str, int]] = {}
    for mid, did in cursor.execute("SELECT DISTINCT n.mid, c.did FROM notes n JOIN cards c ON c.nid = n.id"):
        name = decks[str(did)]["name"]
        if mid not in last or name > last[mid][0]:
            last[mid] = (name, did)
    models = _json(cursor, "models")
    for model in (note_type(templates), cloze_note_type(templates)):
        models.pop(str(model.model_id), None)
        if model.model_id in last:
            models[str(model.model_id)] = model.to_json(now, last[model.model_id][1])
    _set_json(cursor, "models", models)


CardRow = tuple[str, str, int, int]
"""(deck, GUID, note mtime, due) of one card in a package."""


class Package:
    """A package deckgen wrote, open to be updated in place: the cards of some decks replaced,
    every other card left as it is, so that the work follows what changed, not the package."""

    def __init__(self, path: Path) -> None:
        """Raises OSError, zipfile.BadZipFile, ValueError or sqlite3.Error when `path` is not
        such a package."""
        self.path = path
        with zipfile.ZipFile(path) as apkg:
            collection = apkg.read("collection.anki2")
            self.media = {str(name): str(member) for member, name in json.loads(apkg.read("media")).items()}
        self.conn = sqlite3.connect(":memory:")
        self.conn.deserialize(collection)
        self.decks = _json(self.conn.cursor(), "decks")

    def close(self) -> None:
        self.conn.close()

    def rows(self, names: Iterable[str]) -> list[CardRow]:
        """Every card in the decks `names`."""
        ids = [deck_id(n) for n in names]
        shown = {d["id"]: d["name"] for d in self.decks.values()}
        query = (
            "SELECT c.did, n.guid, n.mod, c.due FROM cards c JOIN notes n ON c.nid = n.id "
            f"WHERE c.did IN ({','.join('?' * len(ids))})"
        )
        return [(shown[did], guid, mod, due) for did, guid, mod, due in self.conn.execute(query, ids)]

    def replace(self, names: Iterable[str], decks: Sequence[Deck], now: int, templates: Path | None) -> int:
        """Put `decks` (each one of `names`) where every card of the decks `names` was; returns
        how many cards the package holds now."""
        cursor = self.conn.cursor()
        gone = [deck_id(n) for n in names]
        marks = ",".join("?" * len(gone))
        cursor.execute(f"DELETE FROM notes WHERE id IN (SELECT nid FROM cards WHERE did IN ({marks}))", gone)
        cursor.execute(f"DELETE FROM cards WHERE did IN ({marks})", gone)
        for i in gone:
            self.decks.pop(str(i), None)
        start = cursor.execute("SELECT max(ifnull((SELECT max(id) FROM notes), 0), "
                               "ifnull((SELECT max(id) FROM cards), 0))").fetchone()[0]  # fmt: skip
        ids = itertools.count(max(start + 1, now * 1000))
        _write_notes(cursor, _genanki_decks(decks, templates), now, ids, self.decks)
        _set_models(cursor, now, templates, self.decks)
        self.conn.commit()
        return int(cursor.execute("SELECT count(*) FROM cards").fetchone()[0])

    def write(self, path: Path, cards: Iterable[Card]) -> None:
        """The package as it is now at `path`: the images of `cards` (the new ones) read from
        their files, every other image the package still shows carried over from it."""
        media = render.media_files(cards)
        with zipfile.ZipFile(self.path) as old:
            for name, member in self.media.items():
                shown = self.conn.execute(
                    "SELECT 1 FROM notes WHERE instr(flds, ?) LIMIT 1", (f'src="{name}"',)
                ).fetchone()
                if name not in media and shown:
                    media[name] = old.read(member)
        _zip(path, self.conn.serialize(), media)
