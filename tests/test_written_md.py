"""A hand-written card's Markdown reaches the renderer as written (bold, inline code, fenced code
with its fences), end to end into Anki and onto sheets, and no card changes identity for it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anki_check import import_apkg, open_collection, render_problems, snapshot
from conftest import TESTS
from deckgen import cli
from deckgen.build import BuildOptions, build
from deckgen.cards.claims import explain
from deckgen.config import Config
from deckgen.identity.lockfile import read_lock
from deckgen.model import CLOZE_CLOSE, CLOZE_OPEN, CLOZE_SEP
from deckgen.notes import parse_note, read_note
from deckgen.notes.cardtext import plain, written
from deckgen.notes.explicit import read_explicit
from deckgen.rules.explicit import card_key
from deckgen.text import slug

VAULT = TESTS / "fixtures" / "written_md" / "vault"
OLD_LOCK = TESTS / "fixtures" / "locks" / "written-plain.lock"
"""The lock deckgen wrote for `VAULT` while it took a card's Markdown marks off (commit 2bbc435,
`build([VAULT], out, Config(cards="all"), 1_750_000_000, BuildOptions(lock=OLD_LOCK, every_card=True))`)."""
ALL = Config(cards="all")
CODE = '<pre><code>for i, x in enumerate(["a", "b"]):\n    print(i, x)\n</code></pre>'
HAND_WRITTEN = [
    *(TESTS / "fixtures").glob("explicit/*.md"), *(TESTS / "fixtures").glob("sr_cards/*.md"),
    *(TESTS / "fixtures").glob("written*/vault/**/*.md"), *(TESTS / "fixtures").glob("srvault/**/*.md"),
]  # fmt: skip


def cards(note: str) -> list[tuple[str, str]]:
    return [(c.question, c.answer) for c in read_explicit(note, {}).cards]


def test_marks_and_fences_are_handed_on_as_written() -> None:
    note = (
        "What is **`len`** of [[Lists|a list]]?<!-- why -->\n?\n__Its__ ~~size~~ count:\n"
        "- in a list:\n  ```python\n  if xs:\n      n = len(xs)\n  ```\n![[diagram.png]]"
    )
    [(question, answer)] = cards(note)
    assert question == "What is **`len`** of a list?"
    assert answer == (
        "__Its__ ~~size~~ count:\n- in a list:\n```python\nif xs:\n    n = len(xs)\n```\n[image: diagram.png]"
    )


def test_a_cloze_mark_that_is_a_deletion_still_is_one() -> None:
    [card] = read_explicit("Python's `with` calls ==`__exit__`== even **on** errors.", {}).cards
    deletion = f"{CLOZE_OPEN}={CLOZE_SEP}`__exit__`{CLOZE_CLOSE}"
    assert (
        card.question
        == f"Python's `with` calls {deletion} even {CLOZE_OPEN}*{CLOZE_SEP}on{CLOZE_CLOSE} errors."
    )
    assert cards("Q::a ==highlight== here") == [("Q", "a highlight here")]  # no deletion in a basic card


@pytest.mark.parametrize("path", HAND_WRITTEN, ids=lambda p: str(p.relative_to(TESTS / "fixtures")))
def test_plain_text_of_the_markdown_has_the_words_it_had(path: Path) -> None:
    """`plain` is what keys are made of: of the Markdown handed on now, it gives the words that
    the text as written gave (the keys of cards written before marks were kept)."""
    source = path.read_text(encoding="utf-8")
    pieces = [source, *source.split("\n\n"), *source.split("\n")]
    for piece in pieces:
        assert slug(plain(written(piece))) == slug(plain(piece)), piece


def built(tmp_path: Path, lock: Path) -> dict[str, dict[str, str]]:
    """The fixture vault built with `lock` and imported into a real collection: each note's
    fields, by its first field's start."""
    result = build([VAULT], tmp_path / "out", ALL, 1_800_000_000, BuildOptions(lock=lock, every_card=True))
    col = open_collection(tmp_path / "c.anki2")
    for package in result.outputs:
        import_apkg(col, package)
    assert render_problems(col) == []
    notes = snapshot(col, render=True)["notes"].values()
    col.close()
    return {next(iter(n["fields"].values()))[:12]: n["fields"] for n in notes}


def test_bold_code_a_code_block_and_a_list_reach_anki_rendered(tmp_path: Path) -> None:
    got = built(tmp_path, tmp_path / "deckgen.lock")
    pairs = got["What does <s"]
    assert pairs["Question"] == (
        "What does <strong><code>enumerate</code></strong> give in <code>for i, x in enumerate(xs)</code>?"
    )
    answer = pairs["Answer"]
    assert answer.startswith("<p><strong>Pairs</strong> of an index and an item:</p>")
    assert CODE in answer
    assert "<li><code>i</code> counts from <strong>0</strong></li>" in answer
    assert "<li><code>x</code> is the <strong>item</strong> itself</li>" in answer
    dunder = got["Which dunder"]
    assert dunder["Answer"] == "<code>__len__</code>, see the data model <s>not <code>size</code></s>"
    cloze = got["Python's <co"]["Text"]
    deletion = "{{c1::<code>__exit__</code>}}"
    assert cloze == f"Python's <code>with</code> statement calls {deletion} even when the block raises."
    for fields in got.values():
        for text in fields.values():
            assert "`" not in text and "*" not in text and "~~" not in text


def test_a_sheet_shows_the_same(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.app, ["sheet", str(VAULT), "--out", str(out), "--format", "html"])
    assert result.exit_code == 0, result.output
    page = "".join(p.read_text(encoding="utf-8") for p in (out / "sheets").glob("*.html"))
    body = page.split("<body", 1)[1]
    assert "<strong><code>enumerate</code></strong>" in body and CODE in body
    assert "<li><code>i</code> counts from <strong>0</strong></li>" in body
    assert "`" not in body and "**" not in body


def test_cards_keep_their_identity_from_a_lock_written_before_marks_were_kept(tmp_path: Path) -> None:
    """Every card's text now keeps its marks (and so its content changed), but its key is made
    of its words: each keeps its GUID, none is added or retired."""
    lock = tmp_path / "deckgen.lock"
    shutil.copy(OLD_LOCK, lock)
    shutil.copytree(OLD_LOCK.with_name(OLD_LOCK.name + ".d"), lock.with_name(lock.name + ".d"))
    old = {(e.key, e.guid) for n in read_lock(lock) for e in n.claims}
    assert len(old) == 5
    result = build([VAULT], tmp_path / "out", ALL, 1_800_000_000, BuildOptions(lock=lock, every_card=True))
    counts = result.plan.counts()
    assert counts["added"] == counts["retired"] == 0
    assert counts["changed"] == 5  # the learner's cards take their new look
    assert {(e.key, e.guid) for n in read_lock(lock) for e in n.claims} == old
    assert {c.guid for d in result.decks for c in d.cards} == {g for _, g in old}


def test_a_key_is_made_of_the_words_without_marks() -> None:
    assert card_key("What does **`len`** do with __slots__?") == card_key("What does len do with slots?")


def test_a_generated_card_repeating_a_written_one_is_dropped_whatever_its_marks() -> None:
    """Duplicates are found by words: a hand-written card's `__bold__` marks do not hide that
    the definition generated from the note asks the same."""
    source = (
        "---\ntags: [flashcards]\n---\n# Python\n\n"
        "- **Generator**: a function that uses yield to produce values lazily.\n\n"
        "What is a __generator__?::A __function__ that uses `yield` to produce __values lazily__\n"
    )
    ranking = explain(parse_note(source, "n.md"), ALL)
    assert [c.claim.question for c in ranking.kept] == ["What is a __generator__?"]
    assert [c.reject for c, _ in ranking.dropped if c.claim.kind == "definition"] == [
        "repeats the card of line 8"
    ]


def test_an_embedded_section_in_a_card_keeps_its_markdown(tmp_path: Path) -> None:
    (tmp_path / ".obsidian").mkdir()
    code = "Use **for**:\n\n```python\nfor x in xs:\n    print(x)\n```"
    (tmp_path / "Code.md").write_text(f"# Code\n\n## Loop\n\n{code}\n", encoding="utf-8")
    (tmp_path / "Cards.md").write_text("#flashcards\n\nHow do you loop?::![[Code#Loop]]\n", encoding="utf-8")
    note = read_note(tmp_path / "Cards.md", "Cards.md")
    assert note.explicit is not None
    [card] = note.explicit.cards
    assert card.answer == code.replace("\n\n", "\n")
