"""A note's title is Obsidian's: front matter `title`, else the file name (an `index.md` or
`README.md` takes its folder's name), never its first `# Heading`; and a card's topic line shows
it once. Learners keep their cards through the change: the lock carries them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import TESTS
from deckgen.build import BuildOptions, build
from deckgen.cards.render import topic
from deckgen.config import Config
from deckgen.identity.lockfile import read_lock
from deckgen.notes import parse_note, read_note

TITLES = TESTS / "fixtures" / "titles"
OLD_LOCK = TESTS / "fixtures" / "locks" / "titles-h1.lock"
"""The lock deckgen wrote for `TITLES` when a note's opening `# H1` was its title (commit 5766bcb,
`build([TITLES], out, Config(cards="all"), 1_750_000_000, BuildOptions(lock=OLD_LOCK, every_card=True))`);
it cannot be written again by today's code."""
ALL = Config(cards="all")


@pytest.mark.parametrize(
    ("name", "title"),
    [("Binary Operations.md", "Binary Operations"), ("P vs NP.md", "P vs NP"),
     ("Week_1/README.md", "Week 1"), ("Hashing.md", "Hash tables")],
)  # fmt: skip
def test_the_title_is_front_matter_else_the_file_name_never_the_first_heading(name: str, title: str) -> None:
    assert read_note(TITLES / name, name).title == title


@pytest.mark.parametrize(
    ("path", "title"),
    [("dir/my_note.md", "my note"), ("docs/index.md", "docs"), ("Week_2/readme.md", "Week 2"),
     ("notes.v2/INDEX.md", "notes.v2"), ("README.md", "README")],
)  # fmt: skip
def test_a_folder_note_takes_its_folder_name(path: str, title: str) -> None:
    assert parse_note("# A heading\n\nText.\n", path).title == title


def test_a_readme_at_the_top_takes_the_name_of_the_folder_it_is_in(tmp_path: Path) -> None:
    (tmp_path / "Vault").mkdir()
    (tmp_path / "Vault" / "README.md").write_text("# Welcome\n\nText.\n", encoding="utf-8")
    assert read_note(tmp_path / "Vault" / "README.md", "README.md").title == "Vault"


def test_a_heading_that_repeats_the_title_leaves_the_topic_line(tmp_path: Path) -> None:
    options = BuildOptions(lock=tmp_path / "l.lock", every_card=True)
    result = build([TITLES], tmp_path / "out", ALL, 100, options)
    cards = [c for d in result.decks for c in d.cards]
    topics = {c.note_path: topic(c.face) for c in cards}
    assert topics["P vs NP.md"] == "P vs NP › Classes"  # `# P vs NP` sits above every section
    assert topics["Hashing.md"] == "Hash tables"  # front matter `title:` and `# Hash tables`
    assert topics["Week_1/README.md"] == "Week 1 › Week 1 notes"  # not equal: both stay
    assert {topic(c.face) for c in cards if c.note_path == "Binary Operations.md"} == {
        "Binary Operations › Addition", "Binary Operations › Addition › Subtraction"
    }  # fmt: skip
    for c in cards:
        parts = topic(c.face).split(" › ")
        assert len(parts) == len(set(parts)), topic(c.face)


def test_a_heading_equal_to_the_title_is_dropped_however_it_is_written() -> None:
    note = parse_note("## p vs. NP\n\n- **Certificate:** a proposed solution.\n", "P vs NP.md")
    assert note.blocks[0].headings == ()
    other = parse_note("# Intro\n\nText.\n", "P vs NP.md")
    assert other.blocks[0].headings == ("Intro",)


def test_cards_keep_their_guids_from_a_lock_of_heading_titles(tmp_path: Path) -> None:
    """The titles (and decks) of three of the four notes change: every card keeps its GUID,
    none is retired, and the next build has nothing left to change."""
    lock = tmp_path / "deckgen.lock"
    shutil.copy(OLD_LOCK, lock)
    shutil.copytree(OLD_LOCK.with_name(OLD_LOCK.name + ".d"), lock.with_name(lock.name + ".d"))
    old = {e.guid for n in read_lock(lock) for e in n.claims}
    assert {n.identity for n in read_lock(lock)} >= {"/addition", "/week_1_notes"}  # written from the H1
    result = build([TITLES], tmp_path / "out", ALL, 1_800_000_000, BuildOptions(lock=lock, every_card=True))
    counts = result.plan.counts()
    assert counts["retired"] == counts["added"] == 0
    assert counts["moved"] >= 3  # "Notes::Addition" → "Notes::Binary Operations", …
    assert {c.guid for d in result.decks for c in d.cards} == old
    new = read_lock(lock)
    assert {e.guid for n in new for e in n.claims} == old
    assert {n.identity for n in new} >= {"/binary_operations", "/week_1"}
    again = build([TITLES], tmp_path / "out2", ALL, 1_800_000_100, BuildOptions(lock=lock, every_card=True))
    assert again.plan.counts()["unchanged"] == len(old)
