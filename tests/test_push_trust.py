"""`deckgen push` keeps its promises when the project folder moves, the backend changes, a push is
stopped midway, the collection path is wrong, or the backup cannot be written (issue 22)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from anki_check import open_collection
from deckgen.identity.retire import RETIRED_TAG
from deckgen.push.collection import Direct, PushError
from deckgen.push.records import MARKER
from test_push import DELETED_LINE, deckgen, guid_of, held, push, story

__all__ = ["story"]  # the fixture, used by name

OLD_TITLE = "title: Reasoning in AI models"
DECK = "The Dwarkesh Podcast::Reasoning in AI {}"


def learner_changes(collection: Path) -> dict[str, Any]:
    """Inside Anki: edit one card, delete another, file a third in a deck of one's own."""
    before = held(collection)
    edited, deleted, filed = sorted(before)[:3]
    col = open_collection(collection)
    note = col.get_note(before[edited]["nid"])
    note["Context"] = "my own words"
    col.update_note(note)
    col.remove_notes([before[deleted]["nid"]])
    mine = col.decks.id("Mine", create=True)
    assert mine is not None
    col.set_deck([c[0] for c in before[filed]["cards"]], mine)
    col.close()
    return {"edited": edited, "deleted": deleted, "filed": filed, "count": len(before)}


def assert_kept(collection: Path, changes: dict[str, Any], out: str) -> None:
    """The learner's edit, deletion and filing all survived the push."""
    after = held(collection)
    assert after[changes["edited"]]["fields"]["Context"] == "my own words", out
    assert changes["deleted"] not in after and len(after) == changes["count"] - 1, out
    assert {c[1] for c in after[changes["filed"]]["cards"]} == {"Mine"}, out
    assert "added 0, updated 0, kept your edit 1, left deleted 1, unchanged 8" in out, out


def test_the_learners_changes_survive_moving_the_project_folder(
    story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    push(story / "anki" / "collection.anki2", "--create")
    changes = learner_changes(story / "anki" / "collection.anki2")
    moved = story.parent / "moved"
    shutil.move(story, moved)  # notes, lock, deckgen.push.json and the collection go along
    monkeypatch.chdir(moved)
    out = push(moved / "anki" / "collection.anki2")
    assert_kept(moved / "anki" / "collection.anki2", changes, out)
    assert "deleted in Anki; not brought back" in out


def push_through_ankiconnect(collection: Path) -> tuple[int, str]:
    """`deckgen push notes` through an AnkiConnect stub serving `collection`."""
    from ankiconnect_stub import serve

    col = open_collection(collection)
    try:
        with serve(col) as (url, _):
            return deckgen("push", "notes", "--ankiconnect-url", url)
    finally:
        col.close()


def test_the_learners_changes_survive_switching_to_ankiconnect(story: Path) -> None:
    collection = story / "anki" / "collection.anki2"
    push(collection, "--create")
    changes = learner_changes(collection)
    code, out = push_through_ankiconnect(collection)
    assert code == 0, out
    assert_kept(collection, changes, out)
    [records] = json.loads((story / "deckgen.push.json").read_text())["collections"].values()
    assert changes["deleted"] in records  # still remembered, so it never comes back


def test_the_learners_changes_survive_switching_from_ankiconnect(story: Path) -> None:
    collection = story / "anki" / "collection.anki2"
    code, out = push_through_ankiconnect(collection)
    assert code == 0 and "added 10" in out, out
    changes = learner_changes(collection)
    assert_kept(collection, changes, push(collection))


def test_records_kept_under_the_collections_path_are_found_once_and_moved_to_its_id(story: Path) -> None:
    collection = story / "anki" / "collection.anki2"
    push(collection, "--create")
    marker = collection.parent / "collection.media" / MARKER
    ident = marker.read_text().strip()
    store = story / "deckgen.push.json"
    data = json.loads(store.read_text())
    assert data["version"] == 2 and list(data["collections"]) == [ident] and len(ident) == 32
    # as deckgen before collection IDs left them: version 1, keyed by the path; no marker
    store.write_text(
        json.dumps({"version": 1, "collections": {str(collection.resolve()): data["collections"][ident]}})
    )
    marker.unlink()
    changes = learner_changes(collection)
    dry = push(collection, "--dry-run")
    assert "would push" in dry and not marker.exists()  # a dry run writes no ID
    assert_kept(collection, changes, push(collection))
    new = marker.read_text().strip()
    data = json.loads(store.read_text())
    assert new != ident and data["version"] == 2 and list(data["collections"]) == [new]
    assert_kept(collection, changes, push(collection))


def test_a_marker_that_is_not_deckgens_is_refused(story: Path) -> None:
    collection = story / "anki" / "collection.anki2"
    push(collection, "--create")
    (collection.parent / "collection.media" / MARKER).write_text("something else")
    code, out = deckgen("push", "notes", "--collection", str(collection))
    assert code == 1 and MARKER in out and "delete it" in out, out


# --- a collection path that is not a collection (item 6) ---------------------------------------


def _unrelated_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("create table photos (id integer primary key, name text)")
    db.close()


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (None, "no such collection"),
        (lambda p: p.write_bytes(b""), "an empty file"),
        (lambda p: p.write_text("my shopping list\n" * 100), "not a SQLite database"),
        (_unrelated_sqlite, "a SQLite database of another program"),
        (lambda p: p.mkdir(), "a folder"),
    ],
)
def test_what_is_not_a_collection_is_refused_and_left_alone(
    story: Path, make: Callable[[Path], None] | None, what: str
) -> None:
    target = story / "anki" / "colection.anki2"  # mistyped
    if make is not None:
        target.parent.mkdir()
        make(target)
    before = sorted(p.name for p in story.rglob("*"))
    data = target.read_bytes() if target.is_file() else None
    for extra in ([], ["--create"]) if make is not None else ([],):
        code, out = deckgen("push", "notes", "--collection", str(target), *extra)
        assert code == 1 and str(target) in out and what in out, out
        assert "Traceback" not in out
    if make is None:
        assert "--create" in out
    else:
        assert "--profile" in out
    assert sorted(p.name for p in story.rglob("*")) == before  # no collection, no lock, nothing
    assert (target.read_bytes() if target.is_file() else None) == data


def test_create_starts_a_new_collection_only_when_asked(story: Path) -> None:
    target = story / "new" / "collection.anki2"
    code, out = deckgen("push", "notes", "--collection", str(target))
    assert code == 1 and "--create" in out and not target.parent.exists()
    assert "would push 10 cards" in push(target, "--create", "--dry-run") and not target.parent.exists()
    assert "added 10" in push(target, "--create")
    assert "added 0" in push(target, "--create")  # an existing collection is simply opened
    code, out = deckgen("push", "notes", "--ankiconnect", "--create")
    assert code == 2 and "--create" in out and "--collection" in out, out  # a usage error


# --- a backup that cannot be written (item 8) --------------------------------------------------


def _retire_one(story: Path) -> str:
    collection = story / "anki" / "collection.anki2"
    push(collection, "--create")
    gone = guid_of(held(collection), "Fine-tuning on English data")
    note = story / "notes" / "reasoning.md"
    lines = note.read_text(encoding="utf-8").splitlines(keepends=True)
    note.write_text("".join(x for x in lines if not x.startswith(DELETED_LINE)), encoding="utf-8")
    return gone


def test_a_backup_folder_that_cannot_be_made_stops_the_deletion_with_a_clear_error(story: Path) -> None:
    gone = _retire_one(story)
    collection = story / "anki" / "collection.anki2"
    blocked = story / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    code, out = deckgen(
        "push", "notes", "--collection", str(collection), "--delete-retired", "--backup-dir", str(blocked)
    )
    assert code == 1 and str(blocked) in out and "nothing was deleted" in out and "--backup-dir" in out, out
    assert gone in held(collection)


@pytest.mark.parametrize("failure", ["raises", "truncated"])
def test_a_backup_anki_cannot_finish_leaves_no_partial_file_and_deletes_nothing(
    story: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    from anki.collection import Collection

    gone = _retire_one(story)
    collection = story / "anki" / "collection.anki2"

    def full_disk(self: Collection, *, backup_folder: str, force: bool, wait_for_completion: bool) -> bool:
        del self, force, wait_for_completion
        (Path(backup_folder) / "backup-2026-12-07-20.00.00.colpkg").write_bytes(b"PK\x03\x04 half a zip")
        if failure == "raises":
            raise OSError(28, "No space left on device")
        return True

    with monkeypatch.context() as patch:
        patch.setattr(Collection, "create_backup", full_disk)
        code, out = deckgen("push", "notes", "--collection", str(collection), "--delete-retired")
    backups = collection.parent / "backups"
    assert code == 1 and str(backups) in out and "nothing was deleted" in out, out
    assert list(backups.rglob("*")) == []  # no partial backup, no temporary folder
    assert gone in held(collection)
    assert any(e.question for n in _lock_retired(story) for e in n)  # the lock still knows it


def _lock_retired(story: Path) -> list[Any]:
    from deckgen.identity.lockfile import read_lock

    return [n.retired for n in read_lock(story / "deckgen.lock")]


def test_a_backup_that_works_is_complete_and_alone(story: Path) -> None:
    gone = _retire_one(story)
    collection = story / "anki" / "collection.anki2"
    out = push(collection, "--delete-retired")
    [backup] = (collection.parent / "backups").iterdir()
    assert backup.suffix == ".colpkg" and str(backup.name) in out and gone not in held(collection)


# --- a push stopped at any step converges on the next (item 5) ---------------------------------


class Killed(Exception):
    """The push died here."""


def _kill_after(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    real = getattr(Direct, method)

    def dies(self: Direct, *args: Any) -> Any:
        real(self, *args)
        raise Killed(method)

    monkeypatch.setattr(Direct, method, dies)


def _edit(note: Path, title: str, *, retire: bool) -> None:
    text = note.read_text(encoding="utf-8")
    lines = [x for x in text.splitlines(keepends=True) if not (retire and x.startswith(DELETED_LINE))]
    note.write_text("".join(lines).replace(OLD_TITLE, f"title: Reasoning in AI {title}"), encoding="utf-8")


def _killed_push(collection: Path, *extra: str) -> None:
    from deckgen.cli import app
    from test_push import runner

    result = runner.invoke(app, ["push", "notes", "--collection", str(collection), *extra])
    assert isinstance(result.exception, Killed), result.output


CASES = [
    *((step, "retire") for step in ("import_package", "move", "tag", "suspend", "delete")),
    *((step, "return") for step in ("import_package", "move", "tag", "suspend")),
]
"""(the backend method after which the push dies, the push it dies in): the one that retires a
claim and renames the deck, or the one that brings the claim back and renames it again; 'tag'
and 'suspend' are the retired tag and the (un)suspension."""


@pytest.mark.parametrize(("step", "phase"), CASES)
def test_a_push_stopped_after_any_step_converges_on_the_next(
    story: Path, monkeypatch: pytest.MonkeyPatch, step: str, phase: str
) -> None:
    collection = story / "anki" / "collection.anki2"
    note = story / "notes" / "reasoning.md"
    original = note.read_text(encoding="utf-8")
    push(collection, "--create")
    gone = guid_of(held(collection), "Fine-tuning on English data")
    extra = ("--delete-retired",) if step == "delete" else ()

    before = held(collection)
    leech = guid_of(before, "Multimodal Generalization")
    col = open_collection(collection)
    col.tags.bulk_add([before[leech]["nid"]], "leech")  # Anki's mark: the importer drops it, push keeps it
    col.close()
    _edit(note, "systems", retire=True)  # a claim retired, the deck renamed
    if phase == "retire":
        with monkeypatch.context() as patch:
            _kill_after(patch, step)
            _killed_push(collection, *extra)
    out = push(collection, *extra)
    decks = {c[1] for g, n in held(collection).items() if g != gone for c in n["cards"]}
    assert decks == {DECK.format("systems")}, out

    note.write_text(original, encoding="utf-8")
    _edit(note, "machines", retire=False)  # the claim back, the deck renamed again
    if phase == "return":
        with monkeypatch.context() as patch:
            _kill_after(patch, step)
            _killed_push(collection)
    out = push(collection)
    out += push(collection)
    after = held(collection)
    assert "filed elsewhere" not in out and "left suspended" not in out, out
    assert {c[1] for n in after.values() for c in n["cards"]} == {DECK.format("machines")}, out
    assert all(q >= 0 for n in after.values() for _, _, q, _ in n["cards"]), out  # none suspended
    assert not any(RETIRED_TAG in n["tags"] for n in after.values()), out
    assert len(after) == 10 and (gone not in after) == (step == "delete"), out  # deleted: a new GUID
    assert "leech" in after[leech]["tags"], after[leech]


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="file size limits are POSIX")
def test_a_backup_that_hits_a_full_disk_leaves_no_partial_file(tmp_path: Path) -> None:
    import resource

    collection = tmp_path / "collection.anki2"
    col = open_collection(collection)
    basic = col.models.by_name("Basic")
    assert basic is not None
    for _ in range(600):  # random text: the backup cannot compress below the limit
        note = col.new_note(basic)
        note["Front"], note["Back"] = os.urandom(200).hex(), os.urandom(200).hex()
        col.add_note(note, col.decks.get_current_id())
    col.close()
    backend = Direct(collection)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    ignored = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, hard))
    try:
        with pytest.raises(PushError, match="cannot write the backup") as error:
            backend.backup(tmp_path / "backups")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, ignored)
        backend.close()
    assert str(tmp_path / "backups") in str(error.value) and "nothing was deleted" in str(error.value)
    assert list((tmp_path / "backups").rglob("*")) == []


@pytest.mark.parametrize("text", ['{"version": [2], "collections": {}}', '{"version": 2}', "[]"])
def test_records_of_an_unknown_shape_are_refused(story: Path, text: str) -> None:
    collection = story / "anki" / "collection.anki2"
    push(collection, "--create")
    (story / "deckgen.push.json").write_text(text)
    code, out = deckgen("push", "notes", "--collection", str(collection))
    assert code == 1 and "deckgen.push.json" in out and "unknown format" in out, out
