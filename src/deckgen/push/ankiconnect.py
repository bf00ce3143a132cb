"""The AnkiConnect backend: a running Anki, through the add-on's documented actions (API version 6)
over HTTP with urllib. Only actions of the add-on's README are used: version,
requestPermission, importPackage, findNotes, notesInfo, createDeck, changeDeck, suspend,
unsuspend, deleteNotes, storeMediaFile, retrieveMediaFile, multi, and addTags/removeTags (for
`deckgen::retired`, and for the `leech` and `marked` tags Anki's importer drops).

AnkiConnect does not give a note's GUID. Notes push recorded are found by their note ID; the
others (imported from a `.apkg`, or added by this push) by their first field among the notes of
deckgen's note types."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model import Review
from ..write.apkg import CLOZE_MODEL_ID, MODEL_ID
from .collection import PushError
from .plan import Held, HeldCard

API_VERSION = 6
DECKGEN_NOTES = f"(mid:{MODEL_ID} OR mid:{CLOZE_MODEL_ID})"
TIMEOUT = 60.0
"""Seconds to wait for one answer (an import of thousands of notes takes a while)."""


def search_text(value: str) -> str:
    """`value` quoted for Anki's search: backslash before the characters search gives a meaning."""
    for ch in '\\"*_':
        value = value.replace(ch, "\\" + ch)
    return value


class AnkiConnect:
    """A running Anki with the AnkiConnect add-on."""

    def __init__(self, url: str, key: str = "") -> None:
        self.url, self.key, self.name = url, key, url
        version = self.call("version")
        if not isinstance(version, int) or version < API_VERSION:
            raise PushError(f"{url}: AnkiConnect speaks API version {version}, deckgen needs {API_VERSION} "
                            "— update the add-on")  # fmt: skip
        granted = self.call("requestPermission", origin="deckgen", allowed=False)
        if not isinstance(granted, dict) or granted.get("permission") != "granted":
            raise PushError(f"{url}: AnkiConnect denied deckgen access — allow it in the add-on's settings")

    def request(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One request, as the add-on expects it."""
        body: dict[str, Any] = {"action": action, "version": API_VERSION, "params": dict(params)}
        if self.key:
            body["key"] = self.key
        return body

    def call(self, action: str, **params: Any) -> Any:
        """Send one action; its result, or a PushError with the add-on's message."""
        return _result(action, self._post(self.request(action, params)))

    def multi(self, actions: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Any]:
        """Several actions in one request, each result checked."""
        if not actions:
            return []
        replies = self.call("multi", actions=[self.request(a, p) for a, p in actions])
        return [_result(a, r) for (a, _), r in zip(actions, replies, strict=True)]

    def _post(self, body: Mapping[str, Any]) -> Any:
        data = json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.url, data, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as response:
                return json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError) as exc:
            raise PushError(f"{self.url}: cannot reach AnkiConnect ({getattr(exc, 'reason', exc)}) — start "
                            "Anki with the AnkiConnect add-on, or push into the file with --collection "
                            "while Anki is closed") from None  # fmt: skip
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise PushError(f"{self.url}: this is not AnkiConnect (the answer is not JSON)") from None

    def held(
        self, guids: Mapping[str, str], known: Mapping[str, int], decks: Iterable[str]
    ) -> dict[str, Held]:
        """The notes of `guids` the collection holds: by recorded note ID, else by first field."""
        nids = [int(n) for n in self.call("findNotes", query=DECKGEN_NOTES)]
        infos = {int(i["noteId"]): i for i in self.call("notesInfo", notes=nids) if i}
        by_nid = {nid: guid for guid, nid in known.items() if guid in guids and nid in infos}
        firsts: dict[str, list[str]] = {}
        for guid, first in guids.items():
            if guid not in by_nid.values():
                firsts.setdefault(first, []).append(guid)
        for nid, info in infos.items():
            fields = sorted(info["fields"].values(), key=lambda f: f["order"])
            match = firsts.get(fields[0]["value"] if fields else "", [])
            if nid not in by_nid and len(match) == 1:  # two cards with one question: no guessing
                by_nid[nid] = match[0]
        where = self._decks(sorted(set(decks)))
        suspended = set(self.call("findNotes", query=f"is:suspended {DECKGEN_NOTES}"))
        out = {}
        for nid, guid in by_nid.items():
            info = infos[nid]
            values = tuple(f["value"] for f in sorted(info["fields"].values(), key=lambda f: f["order"]))
            cards = tuple(HeldCard(int(c), where.get(nid, ""), nid in suspended) for c in info["cards"])
            out[guid] = Held(nid, values, int(info.get("mod", 0)), cards, tuple(info.get("tags", ())))
        return out

    def _decks(self, decks: Sequence[str]) -> dict[int, str]:
        """Note ID → which of `decks` (not their sub-decks) its cards are in."""
        queries = [
            ("findNotes", {"query": f'"deck:{search_text(d)}" -"deck:{search_text(d)}::*"'}) for d in decks
        ]
        return {int(nid): deck for deck, nids in zip(decks, self.multi(queries), strict=True) for nid in nids}

    def import_package(self, path: Path) -> None:
        """Add and update notes with Anki's importer (the add-on's `importPackage`)."""
        if self.call("importPackage", path=str(path.resolve())) is not True:
            raise PushError(f"{self.url}: AnkiConnect did not import {path} — is a collection open in Anki?")

    def schedule(self, reviews: Mapping[int, Review]) -> int:
        """Sets no schedule: the add-on has no documented action that gives a card a due day,
        nor tells which day is today in the collection. Returns 0 (push says what was not kept)."""
        del reviews
        return 0

    def move(self, cids: Sequence[int], deck: str) -> None:
        """Move cards to `deck`, creating it first."""
        self.multi([("createDeck", {"deck": deck}), ("changeDeck", {"cards": list(cids), "deck": deck})])

    def suspend(self, cids: Sequence[int], on: bool) -> None:
        """Suspend (or unsuspend) cards."""
        self.call("suspend" if on else "unsuspend", cards=list(cids))

    def tag(self, nids: Sequence[int], tag: str, on: bool) -> None:
        """Add (or remove) a tag."""
        if nids:
            self.call("addTags" if on else "removeTags", notes=list(nids), tags=tag)

    def delete(self, nids: Sequence[int]) -> None:
        """Delete notes and their cards."""
        self.call("deleteNotes", notes=list(nids))

    def store_media(self, name: str, data: bytes) -> None:
        """Put a file into the collection's media folder."""
        self.call("storeMediaFile", filename=name, data=base64.b64encode(data).decode("ascii"))

    def read_media(self, name: str) -> bytes | None:
        """A file of the collection's media folder; None when there is none."""
        data = self.call("retrieveMediaFile", filename=name)
        if data is False:
            return None
        try:
            return base64.b64decode(str(data), validate=True)
        except ValueError:
            raise PushError(f"{self.url}: AnkiConnect's answer to retrieveMediaFile is not base64") from None

    def backup(self, folder: Path | None) -> Path:
        """AnkiConnect has no backup action: refuse to delete rather than delete unguarded."""
        raise no_backup(self.url)

    def close(self) -> None:
        """Nothing to close: each action is one HTTP request."""


def no_backup(url: str) -> PushError:
    """The refusal of --delete-retired through AnkiConnect, which cannot make a backup first."""
    return PushError(
        f"{url}: AnkiConnect cannot make a backup, so --delete-retired is refused — close Anki and push "
        "with --collection, or drop --delete-retired (retired cards are then suspended)"
    )


def _result(action: str, reply: Any) -> Any:
    if not isinstance(reply, dict) or set(reply) != {"result", "error"}:
        raise PushError(f"AnkiConnect's answer to {action} has an unexpected shape: {str(reply)[:200]}")
    if reply["error"] is not None:
        raise PushError(f"AnkiConnect refused {action}: {reply['error']}")
    return reply["result"]
