"""The .apkg writer, checked by importing into a real Anki collection."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from anki_check import import_apkg, open_collection, render_problems, snapshot
from conftest import REFERENCE
from deckgen.build import build
from deckgen.config import Config
from deckgen.write.apkg import (
    CLOZE_FIELDS,
    CLOZE_MODEL_ID,
    CLOZE_MODEL_NAME,
    CLOZE_TEMPLATE_NAME,
    FIELDS,
    MODEL_ID,
    MODEL_NAME,
    TEMPLATE_NAME,
    cloze_note_type,
    note_type,
)

NOW = 1_750_000_000
EXPLICIT = Path(__file__).parent / "fixtures" / "explicit"


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


def test_cloze_note_type_is_pinned() -> None:
    """Pinned like the basic one: a change would make Anki copy it and stop updating cloze notes."""
    assert CLOZE_MODEL_ID == 1_842_605_172
    assert CLOZE_MODEL_NAME == "deckgen cloze"
    assert CLOZE_FIELDS == ("Text", "Extra", "Topic", "Timestamps", "Source", "Status")
    assert CLOZE_TEMPLATE_NAME == "Cloze"
    model = cloze_note_type()
    assert model.model_type == model.CLOZE
    assert [f["name"] for f in model.fields] == list(CLOZE_FIELDS)
    assert [t["name"] for t in model.templates] == [CLOZE_TEMPLATE_NAME]
    template = model.templates[0]["qfmt"] + model.templates[0]["afmt"]
    assert set(re.findall(r"\{\{[#/^]?(?:cloze:)?([^}]+)\}\}", template)) <= set(CLOZE_FIELDS)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The hand-written card fixtures, built and imported into a real collection."""
    tmp = tmp_path_factory.mktemp("explicit")
    result = build([EXPLICIT], tmp / "out", Config(), NOW)
    col = open_collection(tmp / "collection.anki2")
    for apkg in result.outputs:
        import_apkg(col, apkg)
    snap = snapshot(col, render=True)
    problems = render_problems(col)
    col.close()
    return {"snap": snap, "problems": problems}


def _shown(card: dict[str, Any]) -> tuple[str, str]:
    """What the learner reads on a rendered card's front and back (no style, no markup)."""
    return tuple(  # type: ignore[return-value]
        " ".join(unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", card[side], flags=re.S)).split())
        for side in ("question", "answer")
    )


def _by_text(snap: dict[str, Any], field: str, text: str) -> dict[str, Any]:
    [note] = [n for n in snap["notes"].values() if text in n["fields"].get(field, "")]
    return dict(note)


def test_cloze_notes_import_as_cloze_with_a_card_per_number(written: dict[str, Any]) -> None:
    snap = written["snap"]
    assert written["problems"] == []
    paris = _by_text(snap, "Text", "Paris")
    assert paris["notetype"] == CLOZE_MODEL_NAME
    assert len(paris["cards"]) == 2
    first, second = (_shown(c) for c in sorted(paris["cards"], key=lambda c: c["ord"]))
    assert "[...] is the capital of France" in first[0]
    assert "Paris is the capital of [country]" in second[0]
    assert "Paris is the capital of France" in first[1] and "written a::b" in first[1]  # `::` stays text
    assert len(_by_text(snap, "Text", "Canberra")["cards"]) == 1  # one number asked twice: one card
    assert len(_by_text(snap, "Text", "Julia Gillard")["cards"]) == 2
    assert "The [organelle] makes ATP" in _shown(_by_text(snap, "Text", "mitochondrion")["cards"][0])[0]
    basic = [n for n in snap["notes"].values() if n["notetype"] == MODEL_NAME]
    assert basic and all(len(n["cards"]) == 1 for n in basic)


def test_written_cards_show_as_written(written: dict[str, Any]) -> None:
    snap = written["snap"]
    card = _by_text(snap, "Question", "powerhouse of the cell")
    assert card["fields"]["Answer"] == "the mitochondrion"
    assert card["cards"][0]["deck"] == "flashcards::biology"
    assert _by_text(snap, "Question", "Water")["cards"][0]["deck"] == "flashcards::chemistry"
    osmosis = _by_text(snap, "Question", "Osmosis")
    assert osmosis["fields"]["Answer"] == "diffusion of water<br>across a membrane"
    assert "SR:" not in " ".join(str(n["fields"]) for n in snap["notes"].values())
    assert "Inside a fence" not in " ".join(str(n["fields"]) for n in snap["notes"].values())


def test_math_renders_as_mathjax_and_prices_stay_text(tmp_path: Path) -> None:
    note = tmp_path / "energy.md"
    note.write_text(
        "---\ntitle: Energy\nvideoId: Wo95ob_s_NI\n---\n\n"
        "* **Einstein relation:** The formula $E = mc^2$ linking the mass of a body to what it "
        "holds at rest, though a lab charges $100 or $250 to check it "
        '<a class="yt-timestamp" data-t="00:01:00">[00:01:00]</a>.\n',
        encoding="utf-8",
    )
    result = build([note], tmp_path / "out", Config(cards="all"), 1_750_000_000)
    col = open_collection(tmp_path / "collection.anki2")
    import_apkg(col, result.outputs[0])
    shown = " ".join(col.get_card(cid).answer() for cid in col.find_cards(""))
    col.close()
    assert r"\(E = mc^2\)" in shown and "$100" in shown and "$250" in shown
    assert "$E" not in shown
