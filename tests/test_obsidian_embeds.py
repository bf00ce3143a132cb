"""Notes read as Obsidian shows them: block IDs never shown, embeds of another note's block,
section or whole text filled in from the vault (and only from the vault). The fixture vault is
`tests/fixtures/obsidian_embeds/vault`, with a note beside it (`outside.md`) that no card may show."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from deckgen.build import BuildOptions, build
from deckgen.cards.claims import note_claims
from deckgen.config import Config
from deckgen.model import Note
from deckgen.notes import parse_note, read_note
from deckgen.notes.media import stamps, unchanged

FIXTURES = Path(__file__).parent / "fixtures" / "obsidian_embeds"
VAULT = FIXTURES / "vault"


def read(name: str, vault: Path = VAULT) -> Note:
    return read_note(vault / name, name)


def cards(note: Note) -> dict[str, str]:
    assert note.explicit is not None
    return {c.question: c.answer for c in note.explicit.cards}


def warnings(note: Note) -> list[str]:
    return [f"{p.source.line}: {p.message}" for p in note.problems]


# --- 2. block IDs ------------------------------------------------------------------------------


def test_block_ids_are_never_shown() -> None:
    note = read("Logic Gates.md")
    asked = cards(note)
    assert "The following gates are part of which family:</br>" in asked  # `^0d76f8` gone
    texts = [b.text for b in note.blocks]
    assert "Logic Gates are the building blocks of digital circuits." not in texts
    assert "Logic gates are the building blocks of digital circuits." in texts
    assert "A gate with one input is unary." in texts
    every = [*texts, *asked, *asked.values()]
    assert not [t for t in every if "^" in t], every
    # An ID on a line of its own after a table names the table: it is no text of its own.
    table = read("Table Format.md")
    assert table.blocks[0].text == "An or gate outputs 1 when any input is 1."


def test_block_ids_never_reach_a_card_face() -> None:
    note = read("Logic Gates.md")
    result = note_claims(note, Config())
    shown = [f"{f.question} {f.answer} {f.context}" for _, f in result.kept]
    assert shown and not [s for s in shown if "^0d76f8" in s or "^63d7e2" in s]


def test_what_only_looks_like_a_block_id_stays() -> None:
    source = (
        "---\ntitle: Powers ^2\n---\n```\nx = y ^abc\n```\n\nIn code, `a ^b` stays.\n\n"
        "What is the area?\n?\n$$\n\\pi r ^2\n$$\n"
    )
    note = parse_note(source, "code.md")
    assert note.title == "Powers ^2"
    assert note.blocks[0].text == "In code, a ^b stays."
    assert cards(note) == {"What is the area?": "$$\n\\pi r ^2\n$$"}


# --- 3. embeds ---------------------------------------------------------------------------------


def test_embeds_show_the_block_or_section_from_the_vault() -> None:
    asked = cards(read("Logic Gates.md"))
    assert asked["What does an or gate output?"] == "An or gate outputs 1 when any input is 1."
    # A list item with its children, as Obsidian embeds it.
    assert asked["Which gate inverts its input?"] == (
        "- A not gate inverts its single input.\n- Its symbol is a triangle with a circle."
    )
    # A section runs to the next heading of its level, sub-sections included.
    half = asked["How does a half adder work?"]
    assert half.startswith("A half adder adds two bits into a sum and a carry.")
    assert "The carry of a half adder is the AND of its inputs." in half
    assert "full adder" not in half
    # Found by name in a folder, as Obsidian's shortest links are.
    assert asked["What do circuits combine?"] == "Circuits combine gates."
    # A table named by an ID on a line of its own.
    table = asked["What does the truth table of an or gate look like?"]
    assert table.splitlines()[0] == "|  A  |  B  | A+B |" and "^" not in table


def test_an_embedded_section_is_part_of_the_notes_text() -> None:
    note = read("Logic Gates.md")
    adder = next(b for b in note.blocks if b.text == "A full adder also takes a carry in.")
    assert (adder.headings, adder.line) == ((), 35)  # the note's own "# Logic Gates" is its title


def test_a_paragraph_that_is_an_embed_becomes_the_embedded_blocks(tmp_path: Path) -> None:
    shutil.copytree(VAULT, tmp_path / "vault")
    (tmp_path / "vault" / "Uses.md").write_text(
        "# Uses\n\n- A first list of this note.\n- Its second item.\n\n![[Table Format]]\n\n"
        "Inline, ![[Table Format#^or-rule]] stands in the sentence.\n",
        encoding="utf-8",
    )
    note = read("Uses.md", tmp_path / "vault")
    shown = [(b.kind, b.text, b.headings, b.line, b.list_size) for b in note.blocks]
    assert shown[:5] == [
        ("item", "A first list of this note.", (), 3, 2),  # "# Uses" is the title: shown once
        ("item", "Its second item.", (), 4, 2),
        ("paragraph", "An or gate outputs 1 when any input is 1.", ("Table Format",), 6, 0),
        ("item", "A not gate inverts its single input.", ("Table Format",), 6, 2),
        ("item", "Its symbol is a triangle with a circle.", ("Table Format",), 6, 1),
    ]
    assert len({b.list_id for b in note.blocks if b.kind == "item"}) == 3  # the note's and two embedded
    assert shown[-1][1] == "Inline, An or gate outputs 1 when any input is 1. stands in the sentence."


def test_missing_targets_keep_the_placeholder_and_say_where() -> None:
    note = read("Logic Gates.md")
    assert cards(note)["How do you lay out a truth table?"] == "[embed: Circuits]"
    said = warnings(note)
    assert "28: ![[Circuits#^15c42b]] is shown as [embed: Circuits]: Circuits.md has no block ^15c42b" in (
        s.split(" — ")[0] for s in said
    )
    assert any(s.startswith("37: ![[Nowhere#Heading]] is shown as [embed: Nowhere]: no note") for s in said)


def test_nothing_is_read_from_outside_the_vault(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(VAULT, vault)
    shutil.copy(FIXTURES / "outside.md", tmp_path / "outside.md")
    os.symlink(tmp_path / "outside.md", vault / "linked.md")
    (vault / "Escape.md").write_text(
        f"Through a link: ![[linked]]\n\nUp and out: ![[../outside]]\n\nAbsolute: ![[{tmp_path}/outside]]\n\n"
        "Twice: ![[../outside]]\n",
        encoding="utf-8",
    )
    note = read("Escape.md", vault)
    texts = " ".join(b.text for b in note.blocks)
    assert "no card may show" not in texts
    assert [b.text for b in note.blocks] == [
        "Through a link: [embed: linked]", "Up and out: [embed: outside]", "Absolute: [embed: outside]",
        "Twice: [embed: outside]",
    ]  # fmt: skip
    said = warnings(note)
    assert len(said) == 3  # once for each target, at its first line
    assert all("outside" in s and "not read" in s for s in said), said


def test_cycles_stop_and_say_so() -> None:
    note = read("Loop A.md")
    assert [b.text for b in note.blocks] == ["Loop A starts the cycle.", "Loop B continues the cycle."]
    assert warnings(note) == [
        "5: ![[Loop B]] shows ![[Loop A]] as [embed: Loop A]: it leads back to a note it is shown in "
        "(an embed cycle) — it is shown once"
    ]


def test_depth_is_limited(tmp_path: Path) -> None:
    (tmp_path / ".obsidian").mkdir()
    for n in range(8):
        (tmp_path / f"n{n}.md").write_text(f"Level {n} text.\n\n![[n{n + 1}]]\n", encoding="utf-8")
    (tmp_path / "n8.md").write_text("The bottom.\n", encoding="utf-8")
    (tmp_path / "n0.md").write_text("Level 0 text.\n\nMore of it.\n\n![[n1]]\n", encoding="utf-8")
    note = read("n0.md", tmp_path)
    assert [b.text for b in note.blocks] == ["Level 0 text.", "More of it."] + [
        f"Level {n} text." for n in range(1, 5)
    ]
    assert warnings(note) == [  # at the line of the note's own embed
        "5: ![[n1]] shows ![[n5]] as [embed: n5]: embeds are followed 4 levels deep, no deeper"
    ]


def test_without_a_vault_an_embed_is_its_placeholder() -> None:
    note = parse_note("See ![[Other note#^abc]] here.\n\n![[Other note#Part]]\n", "alone.md")
    assert [b.text for b in note.blocks] == ["See [embed: Other note] here."]
    assert not note.problems


def test_an_edited_embedded_note_reads_the_note_again(tmp_path: Path) -> None:
    shutil.copytree(VAULT, tmp_path / "vault")
    note = read("Logic Gates.md", tmp_path / "vault")
    seen = stamps(note)
    assert str((tmp_path / "vault" / "Table Format.md").resolve()) in [p for p, _, _ in seen]
    assert unchanged(seen)
    time.sleep(0.01)
    target = tmp_path / "vault" / "Table Format.md"
    target.write_text(target.read_text("utf-8").replace("any input", "either input"), encoding="utf-8")
    assert not unchanged(seen)


def test_a_rebuild_shows_the_edited_embedded_text(tmp_path: Path) -> None:
    vault, out, lock = tmp_path / "vault", tmp_path / "out", tmp_path / "deckgen.lock"
    shutil.copytree(VAULT, vault)
    options = BuildOptions(lock=lock)

    def answer() -> str:
        result = build([vault], out, Config(), 1_800_000_000, options)
        faces = [c.face for d in result.decks for c in d.cards]
        return next(f.answer for f in faces if f.question == "What does an or gate output?")

    assert answer() == "An or gate outputs 1 when any input is 1."
    target = vault / "Table Format.md"
    time.sleep(0.01)
    target.write_text(target.read_text("utf-8").replace("any input", "either input"), encoding="utf-8")
    # Logic Gates.md is unchanged: only the note it embeds tells the build to read it again.
    assert answer() == "An or gate outputs 1 when either input is 1."


def test_other_files_keep_their_placeholder(tmp_path: Path) -> None:
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / "Node.js.md").write_text("Node.js runs JavaScript on servers.\n", encoding="utf-8")
    (tmp_path / "Sketch.excalidraw.md").write_text("# Text Elements\nDrawing data\n", encoding="utf-8")
    (tmp_path / "A.md").write_text(
        "See ![[Node.js]], ![[slides.pdf]] and ![[Sketch.excalidraw]] here.\n", encoding="utf-8"
    )
    note = read("A.md", tmp_path)
    assert [b.text for b in note.blocks] == [
        "See Node.js runs JavaScript on servers., [embed: slides.pdf] and [embed: Sketch.excalidraw] here."
    ]
    assert not note.problems  # as before: a file deckgen does not show is no news
