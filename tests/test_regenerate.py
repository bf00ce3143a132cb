"""The scripted story: build, study in real Anki, edit the notes, rebuild, re-import.

Anki matches notes by GUID and applies an update only when the package's note is newer, so
this checks that edits arrive, that review history survives, and that an unchanged rebuild
touches nothing (not even a field the learner edited in Anki).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from anki_check import import_apkg, open_collection, snapshot, study_all
from conftest import REFERENCE
from deckgen.build import BuildOptions, build
from deckgen.config import Config
from deckgen.identity.retire import RETIRED_TAG

T1, T2, T3 = 1_750_000_000, 1_750_000_100, 1_750_000_200

EDITS = [
    # reword one definition's answer
    ("Text-only fine-tuning can sometimes lead to reasonable behavior with images",
     "Fine-tuning on text alone can sometimes produce sensible behaviour with images"),
    # fix a typo in a timestamped sentence (v1 has "knowlege")
    ("a broad base of knowlege", "a broad base of knowledge"),
]  # fmt: skip


def v1_text() -> str:
    return REFERENCE.read_text(encoding="utf-8").replace(
        "a broad base of knowledge", "a broad base of knowlege"
    )


def v2_text(v1: str) -> str:
    text = v1
    for old, new in EDITS:
        assert old in text
        text = text.replace(old, new)
    lines = text.splitlines(keepends=True)

    def find(marker: str) -> int:
        return next(i for i, line in enumerate(lines) if marker in line)

    cross, multi = find("**Cross-Lingual Generalization:**"), find("**Multimodal Generalization:**")
    lines[cross], lines[multi] = lines[multi], lines[cross]  # swap two bullets
    moved = lines.pop(find("**Inference-Time Computation:**"))  # move one bullet to another section
    lines.insert(find("**Taste and Ambiguity:**") + 1, moved)
    lines.pop(find("**Long-term Coherence:**"))  # delete one bullet
    lines.insert(  # add one bullet
        find("**Scientific Research:**") + 1,
        "*   **Tool Use:** Models could call calculators and search engines to check their own work "
        '<a class="yt-timestamp" data-t="01:05:00">[01:05:00]</a>.\n',
    )
    return "".join(lines)


def by_question(snap: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    [hit] = [(g, n) for g, n in snap["notes"].items() if text in n["fields"]["Question"]]
    return hit


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("story")
    notes, out, lock = tmp / "notes", tmp / "out", tmp / "deckgen.lock"
    notes.mkdir()
    (notes / "reasoning_in_ai_models.md").write_text(v1_text(), encoding="utf-8")
    col = open_collection(tmp / "collection.anki2")
    s: dict[str, Any] = {}
    s["v1"] = build([notes], out, Config(), T1, BuildOptions(lock=lock))
    s["import1"] = import_apkg(col, s["v1"].outputs[0], update="if_newer")
    s["studied"] = study_all(col)
    s["snap1"] = snapshot(col)

    v2 = v2_text(v1_text())
    (notes / "reasoning_in_ai_models.md").unlink()
    (notes / "ai_reasoning.md").write_text(v2, encoding="utf-8")  # rename the file
    s["plan"] = build([notes], out, Config(), T2, BuildOptions(lock=lock, write=False)).plan
    s["v2"] = build([notes], out, Config(), T2, BuildOptions(lock=lock))
    s["import2"] = import_apkg(col, s["v2"].outputs[0], update="if_newer")
    s["snap2"] = snapshot(col)

    # the learner edits a field of an unchanged card inside Anki
    guid, _ = by_question(s["snap2"], "Name both: Improving reasoning")
    note = col.get_note(s["snap2"]["notes"][guid]["id"])
    note["Context"] = "my own note"
    col.update_note(note)
    s["hand_edited"] = guid
    s["v3"] = build([notes], out, Config(), T3, BuildOptions(lock=lock))
    s["import3"] = import_apkg(col, s["v3"].outputs[0], update="if_newer")
    s["snap3"] = snapshot(col)
    col.close()
    return s


def test_first_import_studied(story: dict[str, Any]) -> None:
    assert story["import1"]["new"] == story["v1"].cards
    assert story["studied"] >= story["v1"].cards
    assert story["snap1"]["revlog_count"] == story["studied"]


def test_plan_lists_the_edits(story: dict[str, Any]) -> None:
    plan = story["plan"]
    added = [c.question for c in plan.changes if c.action == "added"]
    retired = [c.question for c in plan.changes if c.action == "retired"]
    assert any("Tool Use" in q for q in added)
    assert any("While smart on a per-token level" in q for q in retired)
    assert plan.count("moved") == 0  # same note, same deck
    assert plan.count("changed") > 0


def test_no_duplicates_and_retired_is_tagged(story: dict[str, Any]) -> None:
    snap1, snap2 = story["snap1"], story["snap2"]
    assert set(snap1["notes"]) <= set(snap2["notes"])  # every v1 note was matched or retired
    questions = [n["fields"]["Question"] for n in snap2["notes"].values() if RETIRED_TAG not in n["tags"]]
    assert len(questions) == len(set(questions)) == story["v2"].cards
    _, gone = by_question(snap2, "While smart on a per-token level")
    assert gone["tags"] == [RETIRED_TAG] and gone["fields"]["Status"] == "retired"
    retired = [n for n in snap2["notes"].values() if RETIRED_TAG in n["tags"]]
    assert 1 <= len(retired) <= 2  # the deleted bullet's card, and the list its moved partner left


@pytest.mark.parametrize(
    "question",
    ["What is meant by “Multimodal Generalization”?", "ability to generate diverse content by"],
)
def test_edited_cards_update_in_place_and_keep_history(story: dict[str, Any], question: str) -> None:
    guid, before = by_question(story["snap1"], question)
    after = story["snap2"]["notes"][guid]
    assert after["fields"] != before["fields"]
    shown = after["fields"]["Answer"] + after["fields"]["Context"]
    assert "sensible behaviour" in shown or "knowledge" in shown
    [c1], [c2] = before["cards"], after["cards"]
    assert (c2["id"], c2["revlog"], c2["ivl"], c2["type"]) == (c1["id"], c1["revlog"], c1["ivl"], c1["type"])
    assert c1["revlog"] >= 1


def test_swapped_and_moved_bullets_keep_their_cards(story: dict[str, Any]) -> None:
    for question in ("What is meant by “Cross-Lingual Generalization”?", "The model uses significant"):
        guid, before = by_question(story["snap1"], question)
        assert story["snap2"]["notes"][guid]["cards"][0]["id"] == before["cards"][0]["id"]


def test_added_claim_is_new(story: dict[str, Any]) -> None:
    guid, note = by_question(story["snap2"], "What is meant by “Tool Use”")
    assert guid not in story["snap1"]["notes"] and note["cards"][0]["revlog"] == 0


def test_unchanged_rebuild_updates_nothing_and_keeps_hand_edits(story: dict[str, Any]) -> None:
    assert story["v3"].plan.counts()["unchanged"] == story["v3"].cards
    assert story["import3"]["updated"] == 0 and story["import3"]["new"] == 0
    assert story["snap3"]["notes"][story["hand_edited"]]["fields"]["Context"] == "my own note"


def test_same_notes_same_output(tmp_path: Path) -> None:
    shutil.copy(REFERENCE, tmp_path / "n.md")
    a = build([tmp_path / "n.md"], tmp_path / "a", Config(), T1, BuildOptions(lock=tmp_path / "a.lock"))
    b = build([tmp_path / "n.md"], tmp_path / "b", Config(), T1, BuildOptions(lock=tmp_path / "b.lock"))
    assert (tmp_path / "a.lock").read_bytes() == (tmp_path / "b.lock").read_bytes()
    assert [(c.guid, c.mtime, c.face.question) for c in a.decks[0].cards] == [
        (c.guid, c.mtime, c.face.question) for c in b.decks[0].cards
    ]


def test_a_retired_card_that_comes_back_is_live_again_in_anki(tmp_path: Path) -> None:
    """A sentence deleted (its card retires) and then put back: the learner's card, imported
    while retired, must be live again after the next import. Its mtime moves, or Anki keeps the
    retired copy (it updates a note only from a newer one)."""
    notes = tmp_path / "notes"
    notes.mkdir()
    note = notes / REFERENCE.name
    text = REFERENCE.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if "Multimodal Generalization" in x)
    lock, out = tmp_path / "deckgen.lock", tmp_path / "out"
    col = open_collection(tmp_path / "collection.anki2")

    def build_and_import(body: str, now: int) -> dict[str, Any]:
        note.write_text(body, encoding="utf-8")
        result = build([notes], out, Config(), now, BuildOptions(lock=lock))
        import_apkg(col, result.outputs[0])
        return {"plan": result.plan.counts(), **snapshot(col)}

    build_and_import(text, 1_800_000_000)
    gone = build_and_import(text.replace(line + "\n", ""), 1_800_001_000)
    assert gone["plan"]["retired"] == 1
    [(guid, retired)] = [(g, n) for g, n in gone["notes"].items() if n["fields"]["Status"]]
    back = build_and_import(text, 1_800_002_000)
    assert back["plan"]["changed"] == 1 and back["plan"]["retired"] == 0
    live = back["notes"][guid]
    assert (
        live["fields"]["Status"] == ""
        and "Multimodal Generalization" in live["fields"]["Question"] + live["fields"]["Answer"]
    )
    assert [c["id"] for c in live["cards"]] == [c["id"] for c in retired["cards"]]  # the same card
    col.close()
