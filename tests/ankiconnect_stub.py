"""An AnkiConnect-compatible HTTP server on 127.0.0.1 over a real collection (the `anki` package),
for testing `deckgen push --ankiconnect` without Anki's desktop app.

It answers the actions push uses, with the request and reply shapes of the add-on's README and
source (API version 6: `{"result": …, "error": null}`, errors as `{"result": null, "error":
"…"}`, "valid api key must be provided" when a key is set and not given, "unsupported action"
for anything else). `importPackage` runs Anki's importer with its default options (update a
note when the package's copy is newer), as the add-on does through Anki's importer.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from anki.collection import Collection, ImportAnkiPackageRequest
from anki.errors import NotFoundError

API_VERSION = 6


class Stub:
    """The add-on's actions over one open collection; `calls` lists the actions received."""

    def __init__(self, col: Collection, key: str = "") -> None:
        self.col, self.key = col, key
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """One request → one reply, as the add-on's `handler` gives it."""
        name = request.get("action", "")
        self.calls.append(name)
        try:
            if request.get("key") != (self.key or None) and name != "requestPermission":
                raise Exception("valid api key must be provided")
            method: Callable[..., Any] | None = getattr(self, f"action_{name}", None)
            if method is None:
                raise Exception("unsupported action")
            return {"result": method(**request.get("params", {})), "error": None}
        except Exception as exc:  # the add-on turns every failure into its error string
            return {"result": None, "error": str(exc)}

    def action_version(self) -> int:
        return API_VERSION

    def action_requestPermission(self, origin: str, allowed: bool = False) -> dict[str, Any]:
        del origin, allowed  # the add-on grants trusted origins without asking
        return {"permission": "granted", "requireApikey": bool(self.key), "version": API_VERSION}

    def action_multi(self, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.handle(a) for a in actions]

    def action_importPackage(self, path: str) -> bool:
        self.col.import_anki_package(ImportAnkiPackageRequest(package_path=path))
        return True

    def action_findNotes(self, query: str | None = None) -> list[int]:
        return [] if query is None else [int(n) for n in self.col.find_notes(query)]

    def action_notesInfo(self, notes: list[int]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for nid in notes:
            try:
                note = self.col.get_note(nid)  # type: ignore[arg-type]
            except NotFoundError:
                out.append({})  # the add-on keeps the reply's items in step with the request's
                continue
            model = note.note_type()
            assert model is not None
            fields = {f["name"]: {"value": note.fields[f["ord"]], "order": f["ord"]} for f in model["flds"]}
            out.append({
                "noteId": note.id, "profile": "User 1", "modelName": model["name"], "tags": list(note.tags),
                "fields": fields, "mod": note.mod, "cards": [int(c) for c in note.card_ids()],
            })  # fmt: skip
        return out

    def action_createDeck(self, deck: str) -> int:
        return int(self.col.decks.id(deck, create=True) or 0)

    def action_changeDeck(self, cards: list[int], deck: str) -> None:
        self.col.set_deck(cards, int(self.col.decks.id(deck, create=True) or 0))  # type: ignore[arg-type]

    def action_suspend(self, cards: list[int], suspend: bool = True) -> bool:
        todo = [c for c in cards if (self.col.get_card(c).queue == -1) != suspend]  # type: ignore[arg-type]
        if not todo:
            return False
        sched = self.col.sched
        (sched.suspend_cards if suspend else sched.unsuspend_cards)(todo)  # type: ignore[arg-type]
        return True

    def action_unsuspend(self, cards: list[int]) -> bool:
        return self.action_suspend(cards, False)

    def action_addTags(self, notes: list[int], tags: str, add: bool = True) -> None:
        (self.col.tags.bulk_add if add else self.col.tags.bulk_remove)(notes, tags)  # type: ignore[arg-type]

    def action_removeTags(self, notes: list[int], tags: str) -> None:
        self.action_addTags(notes, tags, False)

    def action_deleteNotes(self, notes: list[int]) -> None:
        self.col.remove_notes(notes)  # type: ignore[arg-type]

    def action_storeMediaFile(
        self, filename: str, data: str | None = None, path: str | None = None, url: str | None = None,
        skipHash: str | None = None, deleteExisting: bool = True,
    ) -> str:  # fmt: skip
        del url, skipHash, deleteExisting
        if data:
            content = base64.b64decode(data)
        elif path:
            content = Path(path).read_bytes()
        else:
            raise Exception('You must provide a "data", "path", or "url" field.')
        return str(self.col.media.write_data(filename, content))

    def action_retrieveMediaFile(self, filename: str) -> str | bool:
        path = Path(self.col.media.dir()) / Path(filename).name
        return base64.b64encode(path.read_bytes()).decode("ascii") if path.is_file() else False


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with stub.lock:
                reply = stub.handle(json.loads(body))
            data = json.dumps(reply).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read `Stub.calls` instead."""

    return Handler


@contextmanager
def serve(col: Collection, key: str = "") -> Iterator[tuple[str, Stub]]:
    """(URL, stub) of a server answering on 127.0.0.1 while the block runs."""
    stub = Stub(col, key)
    server = HTTPServer(("127.0.0.1", 0), _handler(stub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
