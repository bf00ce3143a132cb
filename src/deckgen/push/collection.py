"""The direct backend: an Anki collection file opened with the official `anki` package, the
only run-time user of it. Anki must not have the file open."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import BuildError
from ..model import Review
from ..write.apkg import CLOZE_MODEL_ID, MODEL_ID
from .plan import Held, HeldCard
from .schedule import due_day

HELD_OPEN = (
    "{path}: the collection is open in Anki (or another program) — close Anki and push again, "
    "or push into the running Anki with --ankiconnect (the AnkiConnect add-on)"
)
_SUSPENDED = -1
ANKI_TABLES = frozenset({"col", "notes", "cards", "revlog"})
"""Tables every Anki collection has (a file without them is not one)."""
NOT_A_COLLECTION = (
    "{path}: {what}, not an Anki collection — pass the collection.anki2 of an Anki profile "
    "(or --profile NAME); deckgen never turns another file into a collection"
)


class PushError(BuildError):
    """A push that could not start or finish; the collection is left as it was."""


def profile_collection(profile: str, home: Path | None = None) -> Path:
    """The collection of the Anki profile `profile`, where Anki keeps it on this platform."""
    home = home or Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming")) / "Anki2"
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support" / "Anki2"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share")) / "Anki2"
    path = base / profile / "collection.anki2"
    if not path.is_file():
        raise PushError(f"{path}: no such collection — check the profile's name, or pass --collection PATH")
    return path


def check_collection(path: Path) -> None:
    """Refuse anything at `path` that is not an existing Anki collection (read only: nothing is
    written, so a mistyped path or an unrelated file stays as it is)."""
    if not path.exists():
        raise PushError(
            f"{path}: no such collection — check the path (or --profile's name); to start a new, "
            "empty collection there, push with --create"
        )
    if not path.is_file():
        raise PushError(NOT_A_COLLECTION.format(path=path, what="a folder"))
    if path.stat().st_size == 0:
        raise PushError(NOT_A_COLLECTION.format(path=path, what="an empty file"))
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc):
            raise PushError(HELD_OPEN.format(path=path)) from None
        raise PushError(NOT_A_COLLECTION.format(path=path, what=f"not a SQLite database ({exc})")) from None
    if not tables >= ANKI_TABLES:
        raise PushError(NOT_A_COLLECTION.format(path=path, what="a SQLite database of another program"))


class Direct:
    """An open collection file."""

    def __init__(self, path: Path, *, create: bool = False, dry_run: bool = False) -> None:
        """Open the collection at `path`; with `create`, start one there if there is none (a dry
        run plans against an empty one in a temporary folder instead)."""
        if path.suffix != ".anki2":  # Anki would put the media folder where the file's name says
            raise PushError(f"{path}: a collection's file name ends in .anki2 — pass collection.anki2")
        if path.exists() or not create:
            check_collection(path)
        from anki.collection import Collection  # slow to import; only push needs it
        from anki.errors import DBError

        self.path = path.resolve()
        self.name = str(self.path)
        self.scratch = (
            tempfile.TemporaryDirectory(prefix="deckgen-dry-") if dry_run and not path.exists() else None
        )
        opened = Path(self.scratch.name) / path.name if self.scratch else self.path
        opened.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.col: Any = Collection(str(opened))
        except DBError as exc:
            if "already open" in str(exc):
                raise PushError(HELD_OPEN.format(path=path)) from None
            raise PushError(f"{path}: Anki cannot open the collection ({exc})") from None

    def read_media(self, name: str) -> bytes | None:
        """A file of the collection's media folder; None when there is none."""
        try:
            return (Path(self.col.media.dir()) / name).read_bytes()
        except FileNotFoundError:
            return None

    def schema(self) -> tuple[int, int]:
        """(schema modification time, modification time) of the collection."""
        return int(self.col.db.scalar("select scm from col")), int(self.col.db.scalar("select mod from col"))

    def held(
        self, guids: Mapping[str, str], known: Mapping[str, int], decks: Iterable[str]
    ) -> dict[str, Held]:
        """The notes of deckgen's note types the collection holds, by GUID."""
        del known, decks  # the database has every note's GUID and every card's deck
        db = self.col.db
        names = {int(did): name for did, name in db.all("select id, name from decks")}
        cards: dict[int, list[HeldCard]] = {}
        for nid, cid, did, queue in db.all(
            # a card in a filtered deck (custom study) still belongs to its home deck, `odid`
            "select c.nid, c.id, case when c.odid then c.odid else c.did end, c.queue "
            "from cards c join notes n on n.id = c.nid "
            "where n.mid in (?, ?) order by c.nid, c.ord", MODEL_ID, CLOZE_MODEL_ID,
        ):  # fmt: skip
            deck = names.get(int(did), "").replace("\x1f", "::")
            cards.setdefault(int(nid), []).append(HeldCard(int(cid), deck, int(queue) == _SUSPENDED))
        out: dict[str, Held] = {}
        for nid, guid, mod, flds, tags in db.all(
            "select id, guid, mod, flds, tags from notes where mid in (?, ?)", MODEL_ID, CLOZE_MODEL_ID
        ):
            if guid in guids:
                held = tuple(cards.get(int(nid), ()))
                out[guid] = Held(int(nid), tuple(flds.split("\x1f")), int(mod), held, tuple(tags.split()))
        return out

    def import_package(self, path: Path) -> None:
        """Add and update notes by GUID with Anki's importer (cards, reviews, scheduling kept)."""
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
        from anki.import_export_pb2 import (
            IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS,
            IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        )

        options = ImportAnkiPackageOptions(
            merge_notetypes=False,
            update_notes=IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS,  # the plan chose the updates
            update_notetypes=IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
            with_scheduling=False,
            with_deck_configs=False,
        )
        self.col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options))

    def schedule(self, reviews: Mapping[int, Review]) -> int:
        """Start new cards (by card ID) as review cards with these schedules; a card that is no
        longer new is left alone. Returns how many were given one."""
        from anki.consts import CARD_TYPE_NEW, CARD_TYPE_REV, QUEUE_TYPE_REV

        sched = self.col.sched
        today = (datetime.fromtimestamp(sched.day_cutoff) - timedelta(days=1)).date()  # Anki's day
        cards = []
        for cid, review in sorted(reviews.items()):
            card = self.col.get_card(cid)
            if card.type != CARD_TYPE_NEW:
                continue
            card.type, card.queue = CARD_TYPE_REV, QUEUE_TYPE_REV
            card.due = due_day(review, sched.today, today)
            card.ivl, card.factor = review.interval, review.factor
            cards.append(card)
        if cards:
            self.col.update_cards(cards)
        return len(cards)

    def move(self, cids: Sequence[int], deck: str) -> None:
        """Move cards to `deck`, creating it if needed."""
        self.col.set_deck(list(cids), self.col.decks.id(deck, create=True))

    def suspend(self, cids: Sequence[int], on: bool) -> None:
        """Suspend (or unsuspend) cards."""
        (self.col.sched.suspend_cards if on else self.col.sched.unsuspend_cards)(list(cids))

    def tag(self, nids: Sequence[int], tag: str, on: bool) -> None:
        """Add (or remove) a tag."""
        if nids:
            (self.col.tags.bulk_add if on else self.col.tags.bulk_remove)(list(nids), tag)

    def delete(self, nids: Sequence[int]) -> None:
        """Delete notes and their cards."""
        self.col.remove_notes(list(nids))

    def store_media(self, name: str, data: bytes) -> None:
        """Put a file into the collection's media folder (unchanged if it is already there)."""
        folder = Path(self.col.media.dir())
        if not ((folder / name).is_file() and (folder / name).read_bytes() == data):
            self.col.media.write_data(name, data)

    def backup(self, folder: Path | None) -> Path:
        """A backup in Anki's own format (`.colpkg`), in `folder` or `backups/` beside the collection.

        Anki writes it into a fresh folder inside the target, and only a complete backup is
        moved out of it: a failed one (folder read-only, disk full) leaves no partial file."""
        from anki.errors import BackendError

        target = (folder or self.path.parent / "backups").resolve()
        work: Path | None = None
        try:
            target.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=".deckgen-backup-", dir=target))
            self.col.create_backup(backup_folder=str(work), force=True, wait_for_completion=True)
            made = next(work.iterdir(), None)
            if made is None:
                raise PushError(f"{target}: Anki wrote no backup — nothing was deleted")
            with zipfile.ZipFile(made) as archive:  # a truncated backup would not restore
                if archive.testzip() is not None:
                    raise zipfile.BadZipFile(f"{made.name} is damaged")
            final = target / made.name
            os.replace(made, final)
            return final
        except (OSError, BackendError, zipfile.BadZipFile) as exc:
            raise PushError(
                f"{target}: cannot write the backup before deleting ({exc}) — nothing was deleted; "
                "free space there or make it writable, or pass --backup-dir FOLDER"
            ) from None
        finally:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)

    def close(self) -> None:
        """Close the collection (saving what push did)."""
        self.col.close()
        if self.scratch is not None:
            self.scratch.cleanup()
