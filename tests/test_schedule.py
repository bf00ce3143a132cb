"""The learner's schedule from the Obsidian Spaced Repetition plugin: read from its review
comments, and given by push to the cards a collection never had (checked in a real collection)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anki_check import import_apkg, open_collection, study_all
from deckgen.cards.claims import note_claims
from deckgen.cli import app
from deckgen.config import Config
from deckgen.model import Review
from deckgen.notes import read_note
from deckgen.notes.schedule import parse_comment

FIXTURE = Path(__file__).parent / "fixtures" / "schedule" / "reviewed.md"
EXPECTED = {
    ("Capital of Peru", 0): ("2099-03-14", 237, 2900),  # on the card's line
    ("Capital of Chile", 0): ("2099-04-02", 12, 2500),  # on the line after (a block ID before it)
    ("Symbol of hydrogen", 0): ("2099-05-01", 30, 2300),  # a reversed card's forward card
    ("The first female", 0): ("2099-06-10", 4, 2700),  # a cloze's first deletion
    ("The first female", 1): ("2099-07-15", 45, 3100),  # its second (the DD-MM-YYYY form)
    ("Largest planet", 0): ("2024-08-15", 100, 1300),  # a multi-line card
    ("Capital of Kenya", 0): ("2099-09-01", 20, 2600),  # in a metadata callout, a date as `ddd MMM DD YYYY`
}
NEW = ("H", "Capital of Japan", "Capital of Italy", "Capital of Spain")
"""The back of the reversed card (never reviewed: 2000-01-01), an FSRS entry (not read), no comment."""
REVIEW = 2  # Anki's card type and queue of a review card
runner = CliRunner()


def test_the_comments_become_each_cards_schedule() -> None:
    claims = note_claims(read_note(FIXTURE), Config())
    got = {c.question.split("\ue001")[0].strip()[:18]: c.schedule for c, _ in claims.kept}
    assert got["Capital of Peru"] == (Review("2099-03-14", 237, 2900),)
    assert got["The first female"] == (Review("2099-06-10", 4, 2700), Review("2099-07-15", 45, 3100))
    assert got["H"] == () and got["Capital of Japan"] == () and got["Capital of Italy"] == ()
    assert sum(bool(s) for s in got.values()) == 6


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("!2024-08-15,237,290", (Review("2024-08-15", 237, 2900),)),
        ("!2000-01-01,1,250!2024-05-25,4,270", (None, Review("2024-05-25", 4, 2700))),
        ("!2024-05-25,4.5,120", (Review("2024-05-25", 4, 1300),)),  # the plugin reads whole days
        ("!2024-05-25,0,250", (Review("2024-05-25", 1, 2500),)),  # after "Again": Anki's shortest
        ("!2000-01-01,1,250", ()),
        ("!not a date,4,270", ()),
        ("!2024-05-25,4", ()),
        ("", ()),
    ],
)
def test_a_comment_is_read_as_the_plugin_reads_it(body: str, expected: tuple[Review | None, ...]) -> None:
    assert parse_comment(body) == expected


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "notes").mkdir()
    shutil.copy(FIXTURE, tmp_path / "notes" / FIXTURE.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def push(collection: Path, *args: str) -> dict[str, object]:
    result = runner.invoke(app, ["push", "notes", "--collection", str(collection), "--json", *args])
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.output)
    return document


def cards(collection: Path) -> dict[tuple[str, int], tuple[int, int, str, int, int]]:
    """(question's start, ord) → (type, queue, due date as Anki shows it, interval, ease)."""
    col = open_collection(collection)
    try:
        out: dict[tuple[str, int], tuple[int, int, str, int, int]] = {}
        start = date.fromtimestamp(col.crt)
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            question = re.sub(r"<[^>]+>|\{\{c\d+::", " ", card.note().fields[0]).split()
            due = str(start + timedelta(days=card.due)) if card.type == REVIEW else ""
            state = (int(card.type), int(card.queue), due, card.ivl, card.factor)
            out[(" ".join(question)[:18].strip(), card.ord)] = state
        return out
    finally:
        col.close()


def first_day(collection: Path) -> str:
    col = open_collection(collection)
    try:
        return str(date.fromtimestamp(col.crt))
    finally:
        col.close()


def test_push_starts_new_cards_with_the_plugins_schedule(vault: Path) -> None:
    collection = vault / "anki" / "collection.anki2"
    dry = runner.invoke(app, ["push", "notes", "--collection", str(collection), "--create", "--dry-run"])
    assert "would keep your Spaced Repetition schedule for 7 new cards" in dry.output, dry.output
    out = push(collection, "--create")
    assert (out["schedules"], out["schedules_not_kept"]) == (7, 0)
    got = cards(collection)
    for (start, ord_), (due, ivl, factor) in EXPECTED.items():
        key = next(k for k in got if k[0].startswith(start[:18]) and k[1] == ord_)
        # a day before the collection began is shown as its first day: as overdue as Anki can be
        assert got[key] == (REVIEW, REVIEW, max(due, first_day(collection)), ivl, factor), key
    for start in NEW:
        [(kind, queue, *_)] = [v for k, v in got.items() if k[0] == start or k[0].startswith(f"{start} ")]
        assert (kind, queue) == (0, 0), start
    again = push(collection)
    assert again["schedules"] == 0 and again["plan"]["unchanged"] == 10  # type: ignore[index]
    assert cards(collection) == got


def test_a_card_anki_already_has_keeps_its_own_schedule(vault: Path) -> None:
    note = vault / "notes" / FIXTURE.name
    note.write_text(re.sub(r"<!--SR:.*?-->", "", FIXTURE.read_text(encoding="utf-8")), encoding="utf-8")
    collection = vault / "anki" / "collection.anki2"
    push(collection, "--create")
    col = open_collection(collection)
    study_all(col)  # every card reviewed in Anki: its own schedule, not the notes'
    col.close()
    before = cards(collection)
    shutil.copy(FIXTURE, note)  # then reviewed in Obsidian too
    out = push(collection)
    assert out["schedules"] == 0 and out["plan"]["unchanged"] == 10  # type: ignore[index]
    assert cards(collection) == before


def test_a_package_carries_no_schedule_and_push_then_adds_none(vault: Path) -> None:
    result = runner.invoke(app, ["build", "notes"])
    assert result.exit_code == 0, result.output
    collection = vault / "anki" / "collection.anki2"
    import_apkg(collection, next((vault / "out").glob("*.apkg")))
    imported = cards(collection)
    assert len(imported) == 11 and {v[:2] for v in imported.values()} == {(0, 0)}  # all new
    assert not any("SR:" in k[0] for k in imported)
    out = push(collection)
    assert out["schedules"] == 0 and out["plan"]["adds"] == 0  # type: ignore[index]
    assert cards(collection) == imported  # imported from the package: Anki has them, as new cards


def test_through_ankiconnect_the_schedule_is_not_kept_and_push_says_so(vault: Path) -> None:
    from ankiconnect_stub import serve

    collection = vault / "anki" / "collection.anki2"
    col = open_collection(collection)
    try:
        with serve(col) as (url, stub):
            args = ["push", "notes", "--ankiconnect-url", url]
            dry = runner.invoke(app, [*args, "--dry-run"])
            result = runner.invoke(app, [*args, "--json"])
            with stub.lock:
                types = {int(col.get_card(cid).type) for cid in col.find_cards("")}
    finally:
        col.close()
    assert "would not be kept for 7 new cards" in dry.output, dry.output
    document = json.loads(result.output)
    assert (document["schedules"], document["schedules_not_kept"]) == (0, 7)
    assert types == {0}  # every card new: nothing half-set


def test_a_push_after_a_build_keeps_the_schedule(vault: Path) -> None:
    result = runner.invoke(app, ["build", "notes"])  # the note is settled: push takes it from the cache
    assert result.exit_code == 0, result.output
    assert any((vault / "out" / ".deckgen-cache").rglob("*.json"))
    out = push(vault / "anki" / "collection.anki2", "--create")
    assert out["schedules"] == 7
