"""The .apkg writer, checked by importing into a real Anki collection."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from anki_check import import_apkg, open_collection, render_problems, snapshot
from conftest import REFERENCE
from deckgen.build import build
from deckgen.config import Config
from deckgen.write_apkg import FIELDS, MODEL_ID, MODEL_NAME, TEMPLATE_NAME, note_type

NOW = 1_750_000_000


def test_note_type_is_pinned() -> None:
    """Changing any of these makes Anki copy the note type and stop updating learners' notes."""
    assert MODEL_ID == 1_842_605_171
    assert MODEL_NAME == "deckgen"
    assert FIELDS == ("Question", "Answer", "Context", "Topic", "Timestamps", "Source", "Status")
    assert TEMPLATE_NAME == "Recall"
    model = note_type()
    assert [f["name"] for f in model.fields] == list(FIELDS)
    assert [t["name"] for t in model.templates] == [TEMPLATE_NAME]


def test_templates_use_only_known_fields() -> None:
    model = note_type()
    used = set(re.findall(r"\{\{[#/^]?([^}]+)\}\}", model.templates[0]["qfmt"] + model.templates[0]["afmt"]))
    assert used <= {*FIELDS, "FrontSide"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("ref")
    result = build([REFERENCE], tmp / "out", Config(), NOW)
    [apkg] = result.outputs
    col = open_collection(tmp / "collection.anki2")
    summary = import_apkg(col, apkg, update="if_newer")
    snap = snapshot(col, render=True)
    problems = render_problems(col)
    col.close()
    return {"summary": summary, "snap": snap, "problems": problems, "result": result}


def test_reference_deck_imports_into_anki(data: dict[str, Any]) -> None:
    result, snap = data["result"], data["snap"]
    assert data["summary"]["new"] == result.cards == snap["note_count"] == snap["card_count"]
    assert "The Dwarkesh Podcast::Reasoning in AI models" in snap["decks"]
    assert data["problems"] == []
    [notetype] = [nt for nt in snap["notetypes"].values() if nt["name"] == MODEL_NAME]
    assert notetype["fields"] == list(FIELDS)


def test_reference_fields_links_and_rendering(data: dict[str, Any]) -> None:
    notes = data["snap"]["notes"].values()
    links = set()
    for note in notes:
        fields = note["fields"]
        assert fields["Question"].strip() and fields["Answer"].strip()
        assert fields["Topic"].startswith("Reasoning in AI models")
        links |= set(re.findall(r'href="([^"]+)"', fields["Timestamps"]))
        [card] = note["cards"]
        assert card["deck"] == "The Dwarkesh Podcast::Reasoning in AI models"
        assert fields["Answer"] in card["answer"]
        if fields["Timestamps"]:
            assert fields["Timestamps"] in card["answer"] and "▶" in card["answer"]
    cards = [card for deck in data["result"].decks for card in deck.cards]
    stamps = {link.url.replace("&", "&amp;") for card in cards for link in card.face.timestamps}
    assert stamps and links == stamps  # every moment of every card is a link in Anki
    assert all(re.fullmatch(r"https://www\.youtube\.com/watch\?v=Wo95ob_s_NI&amp;t=\d+s", u) for u in links)


def test_new_cards_come_in_reading_order(data: dict[str, Any]) -> None:
    notes = data["snap"]["notes"]
    in_anki = sorted(notes, key=lambda guid: notes[guid]["cards"][0]["due"])
    assert in_anki == [c.guid for c in data["result"].decks[0].cards]
    first = notes[in_anki[0]]["fields"]
    assert '"<b class="hl">per token basis</b>,"' in first["Answer"] and first["Context"] == ""


def test_same_input_same_package(tmp_path: Path) -> None:
    a = build([REFERENCE], tmp_path / "a", Config(), NOW).outputs[0]
    b = build([REFERENCE], tmp_path / "b", Config(), NOW).outputs[0]
    snap_a, snap_b = (snapshot_of(p, tmp_path / n) for p, n in ((a, "ca"), (b, "cb")))
    assert snap_a == snap_b


def snapshot_of(apkg: Path, where: Path) -> dict[str, object]:
    col = open_collection(where / "collection.anki2")
    import_apkg(col, apkg)
    notes: dict[str, object] = {
        g: (n["fields"], n["tags"], n["mod"]) for g, n in snapshot(col)["notes"].items()
    }
    col.close()
    return notes
