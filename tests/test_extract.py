"""The extractor on readable fixtures (note snippet → expected claims) and on the reference note."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REFERENCE, TESTS, golden
from deckgen.extract import choose_blank, extract, short_answer
from deckgen.model import BLANK, Claim
from deckgen.notes import read_note

FIXTURES = sorted((TESTS / "fixtures" / "extract").glob("*.md"))


def as_dict(c: Claim) -> dict[str, object]:
    return {
        "kind": c.kind, "line": c.source.line, "lead": c.lead,
        "question": c.question.replace(BLANK, "_____"), "answer": c.answer,
        "timestamps": [t.label for t in c.timestamps],
    }  # fmt: skip


@pytest.mark.parametrize("note", FIXTURES, ids=lambda p: p.stem)
def test_fixture(note: Path) -> None:
    """Each fixture note gives exactly the claims in its .json twin."""
    golden(note.with_suffix(".json"), [as_dict(c) for c in extract(read_note(note, note.name))])


def test_reference_note_definitions_and_lists() -> None:
    claims = extract(read_note(REFERENCE))
    terms = re.findall(r"^\s*(?:\*|\d+\.)\s+\*\*([^*]+?):?\*\*", REFERENCE.read_text(), re.M)
    assert len(terms) == 17
    defined = {c.question for c in claims if c.kind == "definition"}
    assert all(f"What is meant by “{t.rstrip(':')}”?" in defined for t in terms)
    assert sum(c.kind == "list" for c in claims) == 6


def test_reference_note_timestamps_all_on_cards() -> None:
    claims = extract(read_note(REFERENCE))
    stamps = set(re.findall(r'data-t="([^"]+)"', REFERENCE.read_text()))
    assert len(stamps) == 57
    on_cards = {t.seconds for c in claims for t in c.timestamps}
    seconds = {int(h) * 3600 + int(m) * 60 + int(s) for h, m, s in (x.split(":") for x in stamps)}
    assert seconds <= on_cards


def test_reference_note_answers_are_short_and_sides_non_empty() -> None:
    for c in extract(read_note(REFERENCE)):
        assert c.question.strip() and c.answer.strip()
        if c.kind in ("definition", "sentence"):
            assert len(c.answer.split()) <= 40, c.answer


@pytest.mark.parametrize(
    ("sentence", "answer", "hint"),
    [
        ('Models show ability on a "per token basis," like experts.', "per token basis", "3 words"),
        (
            "Training can use Reinforcement Learning (RL) or supervision.",
            "Reinforcement Learning (RL)",
            "term",
        ),
        ("Superconductivity was first discovered in 1911 with mercury.", "1911", "year"),
        ("A small amount of data (about 30 examples) generalised well.", "about 30 examples", "number"),
        ("The object chased the warhead at 6,000-8,000 mph over the sea.", "6,000-8,000 mph", "number"),
        ("After opening, the box contained 40 booster packs in all.", "40", "number"),
        ("The idea came from Eleanor Roosevelt at a dinner party.", "Eleanor Roosevelt", "name"),
        ("Current systems largely learn through massive pre-training.", "massive pre-training", "2 words"),
    ],
)
def test_choose_blank(sentence: str, answer: str, hint: str) -> None:
    found = choose_blank(sentence)
    assert found is not None
    a, b, got_hint = found
    assert (sentence[a:b], got_hint) == (answer, hint)


def test_blank_never_gives_itself_away() -> None:
    # "coherence" appears twice, so blanking it would leave it in the question.
    sentence = "Coherence matters because models lose coherence over long tasks."
    found = choose_blank(sentence)
    assert found is not None
    a, b, _ = found
    rest = (sentence[:a] + sentence[b:]).lower()
    assert not all(w in rest for w in sentence[a:b].lower().split())


def test_short_answer_cuts_at_a_clause() -> None:
    long = ("While smart on a per-token level, models struggle to maintain coherence over extended "
            "interactions or complex tasks, such as writing a multi-file coding project aligned with "
            "broader goals and many other long things that go on and on.")  # fmt: skip
    cut = short_answer(long)
    assert cut.endswith("complex tasks.") and len(cut.split()) <= 25
