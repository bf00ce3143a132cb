"""GUIDs across builds: matching, retiring, and properties of random edit sequences."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEEDS, TESTS
from deckgen.build import BuildOptions, build
from deckgen.cards.claims import claim_text, note_drafts
from deckgen.config import Config
from deckgen.identity.lockfile import read_lock
from deckgen.identity.lockwrite import write_lock
from deckgen.identity.match import HASH_VERSION, Entry, NoteEntry, content_hash, legacy_hash
from deckgen.model import BLANK, Card, Face, Plan
from deckgen.notes import read_note

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "sigma"]


def render(items: list[tuple[str, str]], title: str = "Topic") -> str:
    lines = [f"---\ntitle: {title}\nvideoId: Wo95ob_s_NI\n---\n", "Things to know:"]
    lines += [
        f'* **{term}:** {body} <a class="yt-timestamp" data-t="00:{i:02d}:00">[00:{i:02d}:00]</a>.'
        for i, (term, body) in enumerate(items)
    ]
    return "\n".join(lines) + "\n"


ALL = Config(cards="all")
"""Identity is about matching, not ranking: these tests keep every card that is not rejected."""


def run(
    text: str, old: list[NoteEntry], now: int, path: str = "n.md", config: Config = ALL
) -> tuple[list[Card], list[NoteEntry], dict[str, int], Plan]:
    """A real build of one note at `path` against a lock holding `old`: its cards (in reading
    order), the lock it leaves and the plan's counts."""
    with tempfile.TemporaryDirectory() as tmp:
        lock, notes = Path(tmp) / "deckgen.lock", Path(tmp) / "notes"
        write_lock(lock, old)
        (notes / path).parent.mkdir(parents=True)
        (notes / path).write_text(text, encoding="utf-8")
        result = build([notes], Path(tmp) / "out", config, now, BuildOptions(lock=lock, every_card=True))
        cards = [c for d in result.decks for c in d.cards]
        return cards, read_lock(lock), result.plan.counts(), result.plan


ITEMS = [
    ("Coherence", "Models lose the thread over long coding projects"),
    ("Recovery", "Agents get stuck when errors pile up in a session"),
    ("Calibration", "Systems can tell which questions they cannot answer"),
]


def test_reworded_definition_keeps_guid_and_gets_newer_mtime() -> None:
    cards1, lock, _, _ = run(render(ITEMS), [], 100)
    edited = [ITEMS[0], ("Recovery", "Agents often stall once mistakes accumulate"), ITEMS[2]]
    cards2, _, counts, _ = run(render(edited), lock, 200)
    before = {c.key: c for c in cards1}
    after = {c.key: c for c in cards2}
    assert after["def:recovery"].guid == before["def:recovery"].guid
    assert after["def:recovery"].mtime == 200 and after["def:coherence"].mtime == 100
    assert counts["changed"] >= 1 and counts["added"] == 0 and counts["retired"] == 0


def test_renamed_file_and_edited_title_keep_guids() -> None:
    cards1, lock, _, _ = run(render(ITEMS), [], 100, "a.md")
    cards2, lock, _, _ = run(render(ITEMS), lock, 200, "moved/b.md")  # file renamed
    cards3, _, _, _ = run(render(ITEMS, "Topic, revised"), lock, 300, "moved/b.md")  # title edited
    assert [c.guid for c in cards1] == [c.guid for c in cards2] == [c.guid for c in cards3]


def test_deleted_claim_retires_and_can_come_back() -> None:
    cards1, lock, _, _ = run(render(ITEMS), [], 100)
    _, lock2, counts, _ = run(render(ITEMS[:2]), lock, 200)
    assert counts["retired"] >= 1
    [entry] = lock2
    assert "def:calibration" in {e.key for e in entry.retired}
    cards3, lock3, _, _ = run(render(ITEMS), lock2, 300)
    assert {c.guid for c in cards3} == {c.guid for c in cards1}
    assert not lock3[0].retired


def test_new_guid_never_reuses_one_in_the_lock() -> None:
    cards, _, _, _ = run(render(ITEMS), [], 100)
    # another note's retired claim holds the very GUID this note's first claim would derive
    taken = Entry(cards[0].guid, "def:other", "definition", "h", 50, "Deck", "q", "a")
    again, lock, counts, _ = run(render(ITEMS), [NoteEntry("gone.md", "gone/id", "", (), (taken,))], 100)
    assert again[0].guid != taken.guid and counts["added"] == len(again)
    guids = [e.guid for n in lock for e in (*n.claims, *n.retired)]
    assert len(guids) == len(set(guids))


edit = st.one_of(
    st.tuples(st.just("reword"), st.integers(0, 9), st.sampled_from(WORDS)),
    st.tuples(st.just("swap"), st.integers(0, 9), st.sampled_from("0123456789")),
    st.tuples(st.just("delete"), st.integers(0, 9), st.just("")),
    st.tuples(st.just("add"), st.integers(0, 9), st.sampled_from(WORDS)),
    st.tuples(st.just("rename"), st.integers(0, 9), st.just("")),
)


def apply(
    items: list[tuple[str, str]], path: str, e: tuple[str, int, str]
) -> tuple[list[tuple[str, str]], str]:
    action, i, word = e
    items = list(items)
    if action == "rename":
        return items, f"renamed_{i}.md"
    if not items and action != "add":
        return items, path
    i %= max(len(items), 1)
    if action == "reword":
        term, body = items[i]
        items[i] = (term, f"{body} {word}")
    elif action == "swap":
        j = int(word) % len(items)
        items[i], items[j] = items[j], items[i]
    elif action == "delete":
        items.pop(i)
    else:
        items.insert(i, (f"{word.title()} {len(items)}", f"A fresh point about {word} and {i} things"))
    return items, path


@settings(max_examples=60, deadline=None)
@given(st.lists(edit, max_size=8))
def test_random_edits_never_share_a_guid_and_unchanged_keeps_them(edits: list[tuple[str, int, str]]) -> None:
    items, path, now = list(ITEMS), "n.md", 100
    _, lock, _, _ = run(render(items), [], now, path)
    for e in edits:
        items, path = apply(items, path, e)
        now += 10
        cards, lock, _, _ = run(render(items), lock, now, path)
        guids = [x.guid for n in lock for x in (*n.claims, *n.retired)]
        assert len(guids) == len(set(guids))
        assert len({c.guid for c in cards}) == len(cards)
    again, lock2, counts, _ = run(render(items), lock, now + 10, path)
    live = [x for n in lock for x in n.claims if n.path == path]
    assert [c.guid for c in again] == [x.guid for x in live if x.guid in {c.guid for c in again}]
    assert all(x.ranked_out for x in live if x.guid not in {c.guid for c in again})  # kept for the learner
    assert counts["added"] == counts["changed"] == counts["retired"] == 0
    assert lock2 == lock


SUPERCONDUCTORS = SEEDS / "superconductors_and_their_potential_applications.md"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("with absolutely no resistance", "with zero resistance"),  # a modest reword
        ("electrons flow through them perfectly", "electrons flow through them without any loss"),
        ("leads to no loss of power", "means that no power is lost"),
        ("magnetic fields reflect off the metal perfectly", "magnetic fields are reflected by the metal"),
    ],
)
def test_real_rewords_keep_their_cards(before: str, after: str) -> None:
    text = SUPERCONDUCTORS.read_text(encoding="utf-8")
    assert before in text
    cards1, lock, _, _ = run(text, [], 100)
    cards2, _, counts, _ = run(text.replace(before, after), lock, 200)
    assert counts["retired"] == 0, counts
    assert {c.guid for c in cards1} <= {c.guid for c in cards2}
    had = [c.guid for c in cards1 if before in c.face.context]
    if had:  # the reworded sentence's card is the old one
        assert [c.guid for c in cards2 if after in c.face.context] == had


def test_a_reworded_sentence_keeps_its_card() -> None:
    """0.1.0 compared the old question's hint and `_____` with the new claim's context: "absolutely
    no resistance" → "zero resistance" scored 0.42 and was retired and re-added."""
    text = render([("Superconductor", "A material that conducts electricity with absolutely no "
                    "resistance below about 90 kelvin in the lab")])  # fmt: skip
    cards1, lock, _, _ = run(text, [], 100)
    cards2, _, counts, _ = run(text.replace("absolutely no", "zero"), lock, 200)
    assert counts["added"] == counts["retired"] == 0 and counts["changed"] >= 1, counts
    assert [c.guid for c in cards1] == [c.guid for c in cards2]


def test_claim_text_fills_the_blank_and_drops_the_hint() -> None:
    assert claim_text(f"Cats have {BLANK} (number) legs.", "four") == "Cats have four legs."
    assert claim_text("Cats have _____ (2 words) legs.", "four long") == "Cats have four long legs."
    assert claim_text("What is meant by “Cat”?", "A pet.") == "What is meant by “Cat”? A pet."


def test_a_lock_written_by_0_1_0_migrates_and_the_learner_loses_nothing(tmp_path: Path) -> None:
    """Hashes of 0.1.0 (of the rendered HTML) are checked with the old recipe once, then stored
    anew; cards the new rules rank out or reject stay while their claim is in the note."""
    lock = tmp_path / "deckgen.lock"
    shutil.copy(TESTS / "fixtures" / "locks" / "seeds-0.1.0.lock", lock)
    old = read_lock(lock)
    result = build([SEEDS], tmp_path / "out", Config(), 2_000_000_000, BuildOptions(lock=lock))
    counts = result.plan.counts()
    assert counts["retired"] == 0  # new rules may add cards, but nothing the learner has goes
    new = read_lock(lock)
    assert {e.guid for n in new for e in n.claims} == {e.guid for n in old for e in n.claims}
    made = {c.guid for d in result.decks for c in d.cards}
    assert all(e.hash.startswith(f"{HASH_VERSION}:") for n in new for e in n.claims if e.guid in made)
    assert counts["ranked_out"] == sum(e.ranked_out for n in new for e in n.claims) > 0
    again = build([SEEDS], tmp_path / "out2", Config(), 2_000_000_100, BuildOptions(lock=lock))
    assert again.plan.counts()["changed"] == again.plan.counts()["added"] == 0


def test_unchanged_0_1_0_cards_stay_unchanged(tmp_path: Path) -> None:
    """A card whose face 0.1.0 rendered the same way is not updated in Anki by the upgrade."""
    lock = tmp_path / "deckgen.lock"
    shutil.copy(TESTS / "fixtures" / "locks" / "seeds-0.1.0.lock", lock)
    old = {e.guid: e for n in read_lock(lock) for e in n.claims}
    result = build(
        [SEEDS], tmp_path / "out", Config(), 2_000_000_000, BuildOptions(lock=lock, every_card=True)
    )
    cards = [c for d in result.decks for c in d.cards]
    same = [c for c in cards if c.guid in old and legacy_hash(c.face, c.note_path) == old[c.guid].hash]
    assert len(same) >= 10  # the fixture holds cards 0.1.0 rendered exactly as today
    assert [c.mtime for c in same] == [old[c.guid].mtime for c in same]  # nothing for Anki to update
    changed = {(c.path, c.question) for c in result.plan.changes if c.action == "changed"}
    assert not any((c.note_path, old[c.guid].question) in changed for c in same)


def test_a_new_deck_pattern_moves_cards_and_counts_each_once() -> None:
    """0.1.0 reported a changed --deck as "moved 199, unchanged 199"."""
    cards1, lock, _, _ = run(render(ITEMS), [], 100)
    cards2, _, counts, plan = run(render(ITEMS), lock, 200, config=Config(cards="all", deck="Talks::{title}"))
    assert counts["moved"] == len(cards2) == len(cards1)
    assert counts["unchanged"] == counts["changed"] == counts["added"] == counts["retired"] == 0
    assert [c.mtime for c in cards2] == [c.mtime for c in cards1]  # nothing for Anki to update
    moves = [c for c in plan.changes if c.action == "moved"]
    assert all(c.line > 0 for c in moves)  # the warning cites the card's line, not line 0


def test_content_hash_keeps_the_recipe_of_the_stored_hashes() -> None:
    """The hash is the JSON of `dataclasses.astuple` of the face without its deck: the fast
    path that builds it must give every stored hash again, or every card would change."""
    faces = [
        face
        for path in sorted(SEEDS.glob("*.md"))
        for nc in note_drafts([read_note(path, path.name)], Config(cards="all"))
        for _, face in (*nc.kept, *nc.spare)
    ]
    assert len(faces) > 50 and any(face.timestamps for face in faces)
    late = [f.name for f in dataclasses.fields(Face)].index("markdown")
    for face in faces:
        values = list(dataclasses.astuple(replace(face, deck="")))
        if not face.markdown:  # added after the recipe: it enters a hash only when set
            del values[late]
        data = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        assert content_hash(face) == f"{HASH_VERSION}:{hashlib.sha256(data.encode('utf-8')).hexdigest()[:16]}"


def test_a_deleted_card_among_near_twins_is_retired_the_others_unchanged(tmp_path: Path) -> None:
    """Removing one of several near-twin hand-written cards retires it: its words are like a
    remaining card's, but similarity only matches a reworded card to its old self (`match`); it
    never keeps a card whose own text left the note alive (issue 22, item 7)."""
    note, lock = tmp_path / "bistable_circuits.md", tmp_path / "deckgen.lock"
    shutil.copy(TESTS / "fixtures" / "twins" / "bistable_circuits.md", note)
    first = build([note], tmp_path / "out", Config(), 100, BuildOptions(lock=lock))
    before = {c.face.question: c.guid for d in first.decks for c in d.cards}
    gone = "What does an RS latch using nor gates look like?"
    assert len(before) == 5 and gone in before
    text = note.read_text(encoding="utf-8")
    start = text.index(gone)
    end = text.index("\n\n", start) + 2
    note.write_text(text[:start] + text[end:], encoding="utf-8")
    second = build([note], tmp_path / "out", Config(), 200, BuildOptions(lock=lock, every_card=True))
    after = {c.face.question: c.guid for d in second.decks for c in d.cards}
    assert second.plan.counts() == {**second.plan.counts(), "retired": 1, "ranked_out": 0, "added": 0}
    assert after == {q: g for q, g in before.items() if q != gone}
    [entry] = read_lock(lock)
    assert [e.guid for e in entry.retired] == [before[gone]]
    assert not any(e.ranked_out for e in entry.claims)
