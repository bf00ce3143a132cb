"""Notes steer deckgen with Obsidian comments readers never see: skip a line or a note, force one in."""

from __future__ import annotations

from conftest import TESTS
from deckgen.build.readall import make_cards
from deckgen.cards.render import answer_html, context_html, question_html
from deckgen.config import Config
from deckgen.notes import read_note

STEER = TESTS / "fixtures" / "steer"


def test_skip_a_line_force_a_sentence_and_hide_comments() -> None:
    note = read_note(STEER / "steered.md")
    cards = make_cards([note], Config(cap=1))[0]
    answers = {c.face.answer for c in cards}
    assert "1911" not in answers and "Heike Kamerlingh Onnes" not in answers  # skipped
    assert "1957" in answers  # forced in, though it has no moment and the cap is 1
    shown = " ".join(question_html(c.face) + answer_html(c.face) + context_html(c.face) for c in cards)
    assert "%%" not in shown and "aside" not in shown and "deckgen:" not in shown
    assert all("%%" not in b.text and "aside" not in b.text for b in note.blocks)


def test_a_note_can_opt_out_in_its_front_matter() -> None:
    assert make_cards([read_note(STEER / "skipped_note.md")], Config(cards="all"))[0] == []
