"""anki_check.py - verify .apkg files with the real Anki library (headless, no Qt).

Requirement: pip install anki==26.9.3   (abi3 wheel, Python >= 3.10, glibc >= 2.35;
pulls protobuf>=6,<8, orjson, requests, markdown; no GUI/system libraries needed).
Tested with anki 26.9.3 + genanki 0.13.1, Linux x86_64, Python 3.11.

Library use (e.g. in pytest):
    from anki_check import open_collection, import_apkg, study_all, snapshot
    col = open_collection(tmp_path / "collection.anki2")   # path MUST end in .anki2
    summary = import_apkg(col, "v1.apkg", update="always")  # counts from Anki's import log
    study_all(col)                        # answer all due cards "good" -> revlog, ivl, due
    snap = snapshot(col)                  # {"decks", "notetypes", "notes": {guid: {...}}}
    col.close()
Observed semantics (anki 26.9.3): a note is matched by GUID and updated only if its
mtime in the package differs from the collection's (equal mtime -> "duplicate", not
updated, even with update="always"; if_newer needs strictly newer). genanki stamps
every note/notetype with int(write timestamp). Updates keep card ids, revlog and
scheduling; notes missing from the package are never deleted.

CLI: python anki_check.py A.apkg [B.apkg ...] [--update always|if_newer|never] [--study]
     [--render] [--full] ...  (see --help). Imports in order into one collection, prints
one JSON summary per import; exit 1 if a package held no notes or a template is broken.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any

from anki import import_export_pb2 as _iep
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.decks import DeckId
from anki.scheduler.v3 import Scheduler
from anki.scheduler_pb2 import CardAnswer

if TYPE_CHECKING:  # anki's own modules import each other in a cycle; only anki.collection goes first safely
    from anki.cards import CardId
    from anki.dbproxy import DBProxy

UPDATE = {
    "if_newer": _iep.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,  # Anki default
    "always": _iep.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS,
    "never": _iep.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_NEVER,
}
RATING = {
    "again": CardAnswer.AGAIN,
    "hard": CardAnswer.HARD,
    "good": CardAnswer.GOOD,
    "easy": CardAnswer.EASY,
}
LOG_FIELDS = (
    "new",
    "updated",
    "duplicate",
    "conflicting",
    "first_field_match",
    "missing_notetype",
    "missing_deck",
    "empty_first_field",
)


def open_collection(path: str | os.PathLike[str] | None = None) -> Collection:
    """Open (or create) a collection; None -> a fresh one in a new temp dir."""
    if path is None:
        path = os.path.join(tempfile.mkdtemp(prefix="anki_check_"), "collection.anki2")
    path = os.path.abspath(os.fspath(path))
    if not path.endswith(".anki2"):  # else Anki's media-folder path collides with it
        raise ValueError(f"collection path must end in .anki2: {path}")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return Collection(path)


def database(col: Collection) -> DBProxy:
    """The open collection's database (None only after close)."""
    if col.db is None:
        raise ValueError("the collection is closed")
    return col.db


def schema_mod(col: Collection) -> int:
    """col.scm; a change means Anki will demand a one-way (full) sync."""
    return int(database(col).scalar("select scm from col"))


def import_apkg(
    col: Collection | str | os.PathLike[str],
    apkg_path: str | os.PathLike[str],
    update: str = "always",
    update_notetypes: str = "if_newer",
    merge_notetypes: bool = False,
    with_scheduling: bool = False,
    with_deck_configs: bool = False,
) -> dict[str, Any]:
    """Import one .apkg with Anki's own importer and summarise the result.

    col: a Collection, or a collection path (opened and closed here).
    Returns the per-category note counts of Anki's import log (new, updated,
    duplicate, conflicting, ...), found_notes, updated_guids, schema_changed,
    seconds, and the collection's deck names, note_count and card_count afterwards."""
    if not isinstance(col, Collection):
        c = open_collection(col)
        try:
            return import_apkg(
                c, apkg_path, update, update_notetypes, merge_notetypes, with_scheduling, with_deck_configs
            )
        finally:
            c.close()
    opts = ImportAnkiPackageOptions(
        merge_notetypes=merge_notetypes,
        update_notes=UPDATE[update],
        update_notetypes=UPDATE[update_notetypes],
        with_scheduling=with_scheduling,
        with_deck_configs=with_deck_configs,
    )
    req = ImportAnkiPackageRequest(package_path=os.path.abspath(os.fspath(apkg_path)), options=opts)
    scm, t0 = schema_mod(col), time.perf_counter()
    log = col.import_anki_package(req).log
    out: dict[str, Any] = {k: len(getattr(log, k)) for k in LOG_FIELDS}
    out.update(
        found_notes=log.found_notes,
        seconds=round(time.perf_counter() - t0, 3),
        updated_guids=sorted(col.get_note(n.id.nid).guid for n in log.updated),
        schema_changed=schema_mod(col) != scm,
        decks=sorted(d.name for d in col.decks.all_names_and_ids()),
        note_count=col.note_count(),
        card_count=col.card_count(),
    )
    return out


def card_state(col: Collection, cid: CardId, render: bool = False) -> dict[str, Any]:
    """Scheduling of one card, its revlog row count (and rendered HTML if render)."""
    c = col.get_card(cid)
    out = {
        "id": c.id,
        "ord": c.ord,
        "deck": col.decks.name(c.did),
        "type": int(c.type),
        "queue": int(c.queue),
        "due": c.due,
        "ivl": c.ivl,
        "reps": c.reps,
        "lapses": c.lapses,
        "revlog": database(col).scalar("select count() from revlog where cid=?", c.id),
    }
    return {**out, "question": c.question(), "answer": c.answer()} if render else out


def render_problems(col: Collection, search: str = "") -> list[dict[str, Any]]:
    """Render every card; return those whose template Anki rejects (e.g. unknown
    field). Import accepts broken templates - only rendering reveals them."""
    bad = []
    for cid in col.find_cards(search):
        c = col.get_card(cid)
        for side, html in (("question", c.question()), ("answer", c.answer())):
            if "templates/errors.html" in html:  # link inside Anki's (localised) error
                bad.append({"guid": c.note().guid, "ord": c.ord, "side": side, "html": html})
    return bad


def snapshot(col: Collection, search: str = "", render: bool = False) -> dict[str, Any]:
    """Everything a test usually asserts on; notes keyed by GUID."""
    col.models._clear_cache()  # pylib's notetype cache is NOT invalidated by imports
    notes = {}
    for nid in col.find_notes(search):
        n = col.get_note(nid)
        notetype = n.note_type()
        if notetype is None:
            raise ValueError(f"note {n.guid} has no note type")
        notes[n.guid] = {
            "id": n.id,
            "notetype": notetype["name"],
            "mid": n.mid,
            "mod": n.mod,
            "fields": dict(n.items()),
            "tags": list(n.tags),
            "cards": [card_state(col, cid, render) for cid in n.card_ids()],
        }
    notetypes = {
        nt["id"]: {
            "name": nt["name"],
            "mod": nt["mod"],
            "fields": [f["name"] for f in nt["flds"]],
            "css": nt["css"],
            "templates": [{k: t[k] for k in ("name", "qfmt", "afmt")} for t in nt["tmpls"]],
        }
        for nt in col.models.all()
    }
    return {
        "decks": sorted(d.name for d in col.decks.all_names_and_ids()),
        "note_count": col.note_count(),
        "card_count": col.card_count(),
        "revlog_count": database(col).scalar("select count() from revlog"),
        "schema_mod": schema_mod(col),
        "notetypes": notetypes,
        "notes": notes,
    }


def study_all(
    col: Collection,
    rating: str = "good",
    deck: str | None = None,
    max_answers: int = 100_000,
    new_per_day: int = 9999,
) -> int:
    """Answer every card the v3 scheduler offers today (all decks, or `deck` and its
    children) with `rating` until the queues are empty. Learning steps within the
    learn-ahead window are answered too, so "good" graduates new cards (type 2, ivl 1,
    2 revlog rows each with default steps). Raises the decks' presets' daily limits to
    new_per_day first. Returns the number of answers (= revlog rows added)."""
    if deck is None:
        dids = [DeckId(d.id) for d in col.decks.all_names_and_ids()]
    elif (did := col.decks.id(deck, create=False)) is not None:
        dids = [did]
    else:
        raise ValueError(f"no deck named {deck!r}")
    sched = col.sched
    if not isinstance(sched, Scheduler):
        raise ValueError("the collection does not use the v3 scheduler")
    answered = 0
    for did in dids:
        conf = col.decks.config_dict_for_deck_id(did)
        if conf["new"]["perDay"] < new_per_day or conf["rev"]["perDay"] < new_per_day:
            conf["new"]["perDay"] = conf["rev"]["perDay"] = new_per_day
            col.decks.update_config(conf)
        col.decks.select(did)  # the queue only covers the current deck
        while answered < max_answers:
            queued = sched.get_queued_cards(fetch_limit=1)
            if not queued.cards:
                break
            qc = queued.cards[0]
            sched.answer_card(
                CardAnswer(
                    card_id=qc.card.id,
                    current_state=qc.states.current,
                    new_state=getattr(qc.states, rating),
                    rating=RATING[rating],
                    answered_at_millis=int(time.time() * 1000),
                    milliseconds_taken=3000,
                )
            )
            answered += 1
    return answered


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Import .apkg files with the real Anki library")
    p.add_argument("apkg", nargs="+", help=".apkg files, imported in this order")
    p.add_argument("--collection", help="path ending in .anki2 (default: fresh temp)")
    p.add_argument("--update", choices=UPDATE, default="always")
    p.add_argument("--update-notetypes", choices=UPDATE, default="if_newer")
    p.add_argument("--merge-notetypes", action="store_true")
    p.add_argument("--with-scheduling", action="store_true")
    p.add_argument("--study", action="store_true", help="study all cards after each import")
    p.add_argument("--render", action="store_true", help="render cards, fail on template errors")
    p.add_argument("--full", action="store_true", help="print a full snapshot at the end")
    a = p.parse_args(argv)
    col, rc = open_collection(a.collection), 0
    try:
        for path in a.apkg:
            s = import_apkg(col, path, a.update, a.update_notetypes, a.merge_notetypes, a.with_scheduling)
            if a.study:
                s["studied"] = study_all(col)
            if a.render:
                s["render_problems"] = render_problems(col)
                rc |= int(bool(s["render_problems"]))
            print(json.dumps({"apkg": str(path), **s}, ensure_ascii=False))
            rc |= int(s["found_notes"] == 0)
        if a.full:
            print(json.dumps(snapshot(col), ensure_ascii=False, indent=1))
    finally:
        col.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
