"""`deckgen push`: the learner's story against a real Anki collection, the AnkiConnect path
against an AnkiConnect-compatible server, and the refusals."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anki_check import database, import_apkg, open_collection, schema_mod, study_all
from conftest import REFERENCE
from deckgen.cli import app
from deckgen.identity.lockfile import read_lock
from deckgen.identity.retire import RETIRED_TAG
from deckgen.model import Card, Face, Image
from deckgen.push.plan import Held, HeldCard, Record, fields_hash, plan

runner = CliRunner()
ACTIONS = (
    "version", "requestPermission", "importPackage", "findNotes", "notesInfo", "createDeck", "changeDeck",
    "suspend", "unsuspend", "deleteNotes", "storeMediaFile", "retrieveMediaFile", "multi", "addTags",
    "removeTags",
)  # fmt: skip
"""The AnkiConnect actions push may use (the issue's list, the tag actions, and reading the
collection's ID from its media folder)."""
FACE = Face(kind="definition", deck="D", tags=(), title="T", section=(), lead="", question="Q", answer="A")
OLD_DECK = "The Dwarkesh Podcast::Reasoning in AI models"
NEW_DECK = "The Dwarkesh Podcast::Reasoning in AI systems"
REWORD = (
    "Text-only fine-tuning can sometimes lead to reasonable behavior with images",
    "Fine-tuning on text alone can sometimes lead to reasonable behavior with images",
)
DELETED_LINE = "*   **Cross-Lingual Generalization:**"
ADDED = (
    "*   **Temporal Generalization:** Skills learned on short tasks can carry over to tasks that "
    'take hours <a class="yt-timestamp" data-t="00:15:02">[00:15:02]</a>.\n'
)


@pytest.fixture
def story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The reference note in a fresh folder, run from there."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "reasoning.md").write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def deckgen(*args: str) -> tuple[int, str]:
    """Run deckgen's CLI; (exit code, everything it printed)."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def push(collection: Path, *args: str) -> str:
    code, out = deckgen("push", "notes", "--collection", str(collection), *args)
    assert code == 0, out
    return out


def held(collection: Path) -> dict[str, dict[str, Any]]:
    """GUID → the note as the collection holds it: id, fields, tags, cards (id, deck, queue, reviews)."""
    col = open_collection(collection)
    try:
        out = {}
        db = database(col)
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            cards = [col.get_card(cid) for cid in note.card_ids()]
            out[note.guid] = {
                "nid": nid, "fields": dict(note.items()), "tags": list(note.tags),
                "cards": [(c.id, col.decks.name(c.did), c.queue,
                           db.scalar("select count() from revlog where cid=?", c.id)) for c in cards],
            }  # fmt: skip
        return out
    finally:
        col.close()


def collection_times(collection: Path) -> tuple[int, int]:
    """(schema modification time, modification time)."""
    col = open_collection(collection)
    try:
        return schema_mod(col), int(database(col).scalar("select mod from col"))
    finally:
        col.close()


def guid_of(notes: dict[str, dict[str, Any]], text: str) -> str:
    [guid] = [g for g, n in notes.items() if any(text in v for v in n["fields"].values())]
    return guid


def edit_note(path: Path) -> None:
    """Reword a claim, delete one, add one, and change the title (so the deck changes)."""
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith(DELETED_LINE)]
    text = (
        "".join(lines)
        .replace(*REWORD)
        .replace("title: Reasoning in AI models", "title: Reasoning in AI systems")
    )
    marker = "*   **Multimodal Generalization:**"
    path.write_text(text.replace(marker, ADDED + marker), encoding="utf-8")


def test_story_push_study_edit_in_both_places_push_again(story: Path) -> None:
    collection = story / "anki" / "collection.anki2"
    first = push(collection, "--create")
    print("first push:", first)
    assert "added 10" in first
    col = open_collection(collection)
    assert study_all(col) > 0  # every card studied: reviews and scheduling to keep
    col.close()
    before = held(collection)
    scm, _ = collection_times(collection)
    reworded = guid_of(before, REWORD[0])
    gone = guid_of(before, "Fine-tuning on English data")
    edited, deleted = sorted(set(before) - {reworded, gone})[:2]

    edit_note(story / "notes" / "reasoning.md")
    col = open_collection(collection)
    note = col.get_note(before[edited]["nid"])
    note["Context"] = "my own words"
    note.tags.append("leech")
    col.update_note(note)
    col.remove_notes([before[deleted]["nid"]])
    reworded_note = col.get_note(before[reworded]["nid"])
    reworded_note.tags.append("leech")  # Anki's own tag: no edit, and the update must keep it
    col.update_note(reworded_note)
    col.close()

    times, lock = collection_times(collection), (story / "deckgen.lock").read_bytes()
    dry = push(collection, "--dry-run")
    print("dry run:", dry)
    # each of the 10 cards counted once (the card edited in Anki moves), the retired one apart
    assert (
        "10 cards" in dry
        and "add 1, update 7, move 1, leave deleted 1, unchanged 0; retired cards: suspend 1" in dry
    )
    assert "Temporal Generalization" in dry
    assert collection_times(collection) == times and (story / "deckgen.lock").read_bytes() == lock
    assert held(collection) == {g: n for g, n in before.items() if g != deleted} | {
        edited: {**before[edited], "fields": {**before[edited]["fields"], "Context": "my own words"},
                 "tags": [*before[edited]["tags"], "leech"]},
        reworded: {**before[reworded], "tags": [*before[reworded]["tags"], "leech"]},
    }  # fmt: skip
    second = push(collection, "--delete-retired")
    print("second push:", second)
    after = held(collection)

    assert (
        len(after) == len({n["nid"] for n in after.values()}) == 9
    )  # 10, a claim gone, one new, one deleted
    assert after[reworded]["cards"] == [(c[0], NEW_DECK, *c[2:]) for c in before[reworded]["cards"]]
    assert REWORD[1] in after[reworded]["fields"]["Answer"] and "leech" in after[reworded]["tags"]
    assert {deck for n in after.values() for _, deck, _, _ in n["cards"]} == {NEW_DECK}
    assert gone not in after and list((collection.parent / "backups").glob("*.colpkg"))
    assert after[edited]["fields"]["Context"] == "my own words" and "leech" in after[edited]["tags"]
    assert deleted not in after and "deleted in Anki; not brought back" in second
    assert "edited in Anki; kept yours" in second and f"nid:{before[edited]['nid']}" in second
    [new] = set(after) - set(before)
    assert "Temporal Generalization" in after[new]["fields"]["Question"]
    assert collection_times(collection)[0] == scm
    assert not any(n.retired for n in read_lock(story / "deckgen.lock"))
    assert "the lock forgot 1 retired claim\n" in second

    _, mod = collection_times(collection)
    third = push(collection)
    print("third push:", third)
    assert "added 0, updated 0, kept your edit 1, left deleted 1, unchanged 8" in third, third
    assert "retired cards" not in third
    assert collection_times(collection) == (scm, mod) and held(collection) == after


def test_retired_cards_are_suspended_and_come_back(story: Path) -> None:
    collection = story / "anki" / "collection.anki2"
    push(collection, "--create")
    note = story / "notes" / "reasoning.md"
    original = note.read_text(encoding="utf-8")
    before = held(collection)
    gone = guid_of(before, "Fine-tuning on English data")
    learner = guid_of(before, "Multimodal Generalization")
    col = open_collection(collection)
    col.sched.suspend_cards([c[0] for c in before[learner]["cards"]])
    col.close()

    note.write_text("".join(x for x in original.splitlines(keepends=True) if not x.startswith(DELETED_LINE)))
    out = push(collection)
    assert "suspended 1" in out and "suspended in Anki; left suspended" in out
    retired = held(collection)[gone]
    assert RETIRED_TAG in retired["tags"] and all(queue == -1 for _, _, queue, _ in retired["cards"])

    note.write_text(original, encoding="utf-8")
    out = push(collection)
    back, learners = held(collection)[gone], held(collection)[learner]
    assert "unsuspended 1" in out and RETIRED_TAG not in back["tags"]
    assert all(queue != -1 for _, _, queue, _ in back["cards"])
    assert all(queue == -1 for _, _, queue, _ in learners["cards"])  # the learner's suspension stays


def test_a_card_the_learner_filed_elsewhere_stays_there(story: Path) -> None:
    collection = story / "anki" / "collection.anki2"
    push(collection, "--create")
    before = held(collection)
    filed = guid_of(before, "Multimodal Generalization")
    col = open_collection(collection)
    mine = col.decks.id("Mine", create=True)
    assert mine is not None
    col.set_deck([c[0] for c in before[filed]["cards"]], mine)
    col.close()
    note = story / "notes" / "reasoning.md"
    note.write_text(note.read_text(encoding="utf-8").replace("title: Reasoning in AI models",
                                                             "title: Reasoning in AI systems"))  # fmt: skip
    out = json.loads(push(collection, "--json"))
    after = held(collection)
    assert out["plan"]["moves"] == 9 and out["schema"] == "deckgen.push/1"
    assert out["format"] == out["schema"]  # the old key, kept for one release
    assert [c["nid"] for c in out["filed_elsewhere"]] == [before[filed]["nid"]]
    assert {c[1] for c in after[filed]["cards"]} == {"Mine"}
    assert {c[1] for g, n in after.items() if g != filed for c in n["cards"]} == {NEW_DECK}
    again = json.loads(push(collection, "--json"))
    assert again["plan"]["moves"] == 0 and again["filed_elsewhere"] == []  # reported once
    assert held(collection) == after


def test_a_push_after_a_plain_build_and_import_adopts_the_cards(story: Path) -> None:
    from anki_check import import_apkg

    collection = story / "anki" / "collection.anki2"
    code, out = deckgen("build", "notes")
    assert code == 0, out
    import_apkg(collection, next((story / "out").glob("*.apkg")))
    before = held(collection)
    out = push(collection)
    assert "added 0, updated 0" in out and "unchanged 10" in out
    assert held(collection) == before
    [records] = json.loads((story / "deckgen.push.json").read_text())["collections"].values()
    assert {g: r["nid"] for g, r in records.items()} == {g: n["nid"] for g, n in before.items()}


HOLD = """
import sys, time
from anki.collection import Collection
col = Collection(sys.argv[1])
print("open", flush=True)
time.sleep(120)
"""


@pytest.fixture
def held_open(story: Path) -> Iterator[Path]:
    """A collection another process holds open."""
    collection = story / "anki" / "collection.anki2"
    push(collection, "--create")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(collection)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        yield collection
    finally:
        holder.kill()
        holder.wait()


def test_a_collection_held_open_is_refused_at_once(held_open: Path, story: Path) -> None:
    bytes_before = held_open.read_bytes()
    note = story / "notes" / "reasoning.md"
    note.write_text(note.read_text(encoding="utf-8").replace(*REWORD))
    start = time.monotonic()
    code, out = deckgen("push", "notes", "--collection", str(held_open))
    assert code == 1 and time.monotonic() - start < 30
    assert "close Anki" in out and "--ankiconnect" in out
    assert held_open.read_bytes() == bytes_before


def test_plan_keeps_an_anki_edit_and_takes_a_new_build() -> None:
    def card(answer: str, mtime: int = 100) -> Card:
        return Card("g", mtime, "k", replace(FACE, answer=answer), "n.md", 1)

    def fields(c: Card) -> list[str]:
        return [c.face.question, c.face.answer]

    wrote = fields_hash(["Q", "A"])
    rec = Record(1, "D", wrote, wrote)
    note = Held(1, ("Q", "A"), 100, (HeldCard(10, "D", False),))
    assert plan([card("B", 200)], [], {"g": note}, {"g": rec}, fields).updates  # changed in the notes
    anki_edit = Held(1, ("Q", "mine"), 300, note.cards)
    p = plan([card("B", 200)], [], {"g": anki_edit}, {"g": rec}, fields)
    assert p.conflicts and not p.updates  # changed in both: the learner's edit wins
    assert plan([card("A")], [], {}, {"g": rec}, fields).deleted  # deleted in Anki: not brought back
    assert plan([card("A")], [], {}, {}, fields).adds


def test_push_through_ankiconnect(story: Path) -> None:
    from ankiconnect_stub import serve

    col = open_collection(story / "anki" / "collection.anki2")
    try:
        with serve(col, key="secret") as (url, stub):
            code, out = deckgen("push", "notes", "--ankiconnect-url", url)
            assert code == 1 and "valid api key must be provided" in out
            first = deckgen("push", "notes", "--ankiconnect-url", url, "--ankiconnect-key", "secret")[1]
            assert "added 10" in first, first
            edit_note(story / "notes" / "reasoning.md")
            code, second = deckgen("push", "notes", "--ankiconnect-url", url, "--ankiconnect-key", "secret")
            assert code == 0, second
            third = deckgen("push", "notes", "--ankiconnect-url", url, "--ankiconnect-key", "secret")[1]
            with stub.lock:
                notes = {n.guid: n for n in (col.get_note(i) for i in col.find_notes(""))}
                retired = [n for n in notes.values() if RETIRED_TAG in n.tags]
                live = [n for n in notes.values() if RETIRED_TAG not in n.tags]
                decks = {col.decks.name(col.get_card(c).did) for n in live for c in n.card_ids()}
                queues = [col.get_card(c).queue for n in retired for c in n.card_ids()]
            calls = set(stub.calls)
    finally:
        col.close()
    assert "10 cards" in second and "added 1, updated 9, unchanged 0; retired cards: suspended 1" in second
    assert "added 0, updated 0, unchanged 10\n" in third, third
    assert len(notes) == 11 and decks == {NEW_DECK}
    assert len(retired) == 1 and queues == [-1]
    assert any(REWORD[1] in n["Answer"] for n in notes.values() if "Answer" in n)
    assert calls <= set(ACTIONS)


def test_ankiconnect_not_running_is_a_clear_error(story: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out = deckgen("push", "notes", "--ankiconnect-url", f"http://127.0.0.1:{port}")
    assert code == 1 and "cannot reach AnkiConnect" in out and "start Anki" in out


def test_media_the_cards_show_go_into_the_collection_media_folder(tmp_path: Path) -> None:
    from deckgen.push import _media
    from deckgen.push.collection import Direct

    (tmp_path / "cell.png").write_bytes(b"\x89PNG\r\n\x1a\n cell")
    image = Image("cell.png", "0123456789abcdef0123.png")
    card = Card(
        "g", 1, "k", replace(FACE, media=(image,)), "biology/cells.md", 1, files=(str(tmp_path / "cell.png"),)
    )
    backend = Direct(tmp_path / "anki" / "collection.anki2", create=True)
    try:
        assert _media(backend, [card, card]) == 1  # once, however many cards show it
        assert (tmp_path / "anki" / "collection.media" / image.name).read_bytes() == b"\x89PNG\r\n\x1a\n cell"
    finally:
        backend.close()


def test_profile_names_the_collection_where_anki_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deckgen.push import PushError, profile_collection

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    expected = tmp_path / ".local" / "share" / "Anki2" / "User 1" / "collection.anki2"
    with pytest.raises(PushError, match="no such collection"):
        profile_collection("User 1", tmp_path)
    expected.parent.mkdir(parents=True)
    expected.write_bytes(b"")
    assert profile_collection("User 1", tmp_path) == expected


def test_ankiconnect_refuses_to_delete_without_a_backup_before_building(story: Path) -> None:
    code, out = deckgen("push", "notes", "--ankiconnect", "--delete-retired")
    assert code == 1 and "cannot make a backup" in out and "--collection" in out
    assert not (story / "deckgen.lock").exists()


def test_ankiconnect_adopts_notes_imported_from_a_package_and_stores_media(story: Path) -> None:
    from anki_check import import_apkg
    from ankiconnect_stub import serve
    from deckgen.push import _media
    from deckgen.push.ankiconnect import AnkiConnect

    code, out = deckgen("build", "notes")
    assert code == 0, out
    col = open_collection(story / "anki" / "collection.anki2")
    try:
        import_apkg(col, next((story / "out").glob("*.apkg")))
        with serve(col) as (url, stub):
            code, out = deckgen("push", "notes", "--ankiconnect-url", url)
            (story / "notes" / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n chart")
            face = replace(FACE, media=(Image("chart.png", "c" * 20 + ".png"),))
            chart = Card("g", 1, "k", face, "reasoning.md", 1, files=(str(story / "notes" / "chart.png"),))
            stored = _media(AnkiConnect(url), [chart])
            with stub.lock:
                notes = col.note_count()
                media = Path(col.media.dir()) / ("c" * 20 + ".png")
    finally:
        col.close()
    assert code == 0 and "added 0, updated 0" in out and "unchanged 10" in out, out
    assert notes == 10 and stored == 1 and media.read_bytes() == b"\x89PNG\r\n\x1a\n chart"
    [records] = json.loads((story / "deckgen.push.json").read_text())["collections"].values()
    assert len(records) == 10


BREAD = (
    "# Bread\n\n- **Boule:** a round loaf, French for ball\n"
    "- **Levain:** a stiff starter kept at room temperature\n"
)


@pytest.fixture
def bread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two definitions in one note, run from a fresh folder."""
    (tmp_path / "notes" / "a").mkdir(parents=True)
    (tmp_path / "notes" / "a" / "bread.md").write_text(BREAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_ranked_out_claim_is_not_retired_by_push(bread: Path) -> None:
    collection = bread / "anki" / "collection.anki2"
    push(collection, "--create")
    note = bread / "notes" / "a" / "bread.md"
    ranked_out = BREAD.replace("Boule:** a round loaf, French for ball", "Boule:** Boule")
    note.write_text(ranked_out, encoding="utf-8")
    code, out = deckgen("build", "notes", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["plan"]["ranked_out"] == 1, out
    push(collection, "--delete-retired")
    after = held(collection)
    assert len(after) == 2 and not any(RETIRED_TAG in n["tags"] for n in after.values())
    assert all(queue >= 0 for n in after.values() for _, _, queue, _ in n["cards"])  # none suspended


def test_a_card_deleted_in_anki_stays_deleted_after_a_push_that_could_not_read_its_note(bread: Path) -> None:
    collection = bread / "anki" / "collection.anki2"
    push(collection, "--create")
    before = held(collection)
    boule = guid_of(before, "round loaf")
    col = open_collection(collection)
    col.remove_notes([before[boule]["nid"]])
    col.close()
    note = bread / "notes" / "a" / "bread.md"
    note.write_bytes(b"\xff\xfex\x00")  # unreadable for one push
    _, out = deckgen("push", "notes", "--collection", str(collection))
    assert "bread.md" in out, out  # the note is named; its cards are left as they are
    note.write_text(BREAD, encoding="utf-8")
    out = push(collection)
    assert "added 0" in out and boule not in held(collection)


def test_a_tag_anki_adds_is_no_edit_of_a_card_push_never_wrote(bread: Path) -> None:
    collection = bread / "anki" / "collection.anki2"
    code, out = deckgen("build", "notes")
    assert code == 0, out
    col = open_collection(collection)
    import_apkg(col, next((bread / "out").glob("*.apkg")))
    col.close()
    note = bread / "notes" / "a" / "bread.md"
    note.write_text(BREAD.replace("French for ball", "French for a ball"), encoding="utf-8")
    code, out = deckgen("build", "notes")  # the claim changed before Anki tagged the note
    assert code == 0, out
    time.sleep(1.1)  # Anki's note times are in seconds
    col = open_collection(collection)
    col.tags.bulk_add(col.find_notes("round"), "leech")
    col.close()
    out = push(collection)
    assert "kept yours" not in out
    boule = held(collection)[guid_of(held(collection), "round loaf")]
    assert "French for a ball" in boule["fields"]["Answer"] and "leech" in boule["tags"]
