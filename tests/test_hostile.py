"""Hostile input: every broken or odd note gets a clear `path:line: message` and the right exit code.

The notes that can be committed as text are in `tests/hostile/`; the others (bytes that editors
or git would change, huge files, odd file names, symbolic links, unreadable files) are written
by this module into `tmp_path`. Every case runs the real command line. A bad note is a warning
(exit 0) and the other notes still build; `--strict` turns the warnings into exit 1.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from anki_check import import_apkg, open_collection, snapshot
from conftest import TESTS
from deckgen.build.readall import make_cards
from deckgen.cli import app
from deckgen.config import Config
from deckgen.notes import parse_note, read_note

HOSTILE = TESTS / "hostile"
runner = CliRunner()

DEFINITION = "* **Coherence:** Models drift away from the goal over long tasks [00:01:00].\n"

GENERATED: dict[str, bytes] = {
    "not_utf8.md": "Notes\n\n* **Café:** A café is where the talk was recorded [00:01:00].\n".encode(
        "latin-1"
    ),
    "bom.md": b"\xef\xbb\xbf---\ntitle: Byte order mark\n---\n\n" + DEFINITION.encode(),
    "crlf.md": b"---\r\ntitle: Windows line ends\r\n---\r\n\r\n"
    + DEFINITION.encode().replace(b"\n", b"\r\n"),
    "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256)),
    "utf16.md": DEFINITION.encode("utf-16"),  # with its byte order mark
    "zero\u200bwidth name.md": b"Text with a bad stamp [12:75] in it.\n",
    "ノート café.md": DEFINITION.encode(),
}
"""Cases written at test time: bytes that must reach deckgen exactly as they are."""

WARNINGS: dict[str, list[str]] = {
    "broken_front_matter.md": [
        "broken_front_matter.md:2: front matter is not valid YAML (expected ',' or ']', but got ':')"
        " — fix it or remove the --- block"
    ],
    "front_matter_list.md": [
        "front_matter_list.md:1: front matter is not a mapping — write `key: value` lines"
    ],
    "empty.md": ["empty.md:1: the note is empty — write your notes in it, or delete it"],
    "unclosed_html.md": [
        "unclosed_html.md:4: HTML <pre> is never closed, so the text after it is skipped"
        " — close it with </pre>"
    ],
    "unclosed_fence.md": [
        "unclosed_fence.md:3: code block is never closed, so the text after it is read as code"
        " — add a ``` line where the code ends"
    ],
    "bad_timestamps.md": [
        "bad_timestamps.md:6: malformed timestamp '99:99:99' skipped — write it as HH:MM:SS",
        "bad_timestamps.md:8: malformed timestamp 'HH:MM:SS' skipped — write it as HH:MM:SS",
        "bad_timestamps.md:10: malformed timestamp '12:75' skipped — write it as HH:MM:SS",
    ],
    "not_utf8.md": ["not_utf8.md:3: the file is not UTF-8 (byte 0xe9) — re-save it as UTF-8"],
    "binary.md": ["binary.md:1: this is a binary file, not Markdown — remove it or rename it"],
    "utf16.md": ["utf16.md:1: the file is UTF-16, not UTF-8 — re-save it as UTF-8"],
    "zero\u200bwidth name.md": [
        "zero\\u200bwidth name.md:1: malformed timestamp '12:75' skipped — write it as HH:MM:SS"
    ],
}
"""The exact warnings of each note that has any; every other note builds without one."""

LEVELS = 50
"""The deep notes nest this deep; each level's `**Stratum …:**` term gives one card."""

GIVES_CARDS = (
    "good_note.md", "rule_in_body.md", "unclosed_html.md", "unclosed_fence.md", "bad_timestamps.md",
    "unicode_scripts.md", "name with spaces.md", "bom.md", "crlf.md", "ノート café.md",
)  # fmt: skip
"""Readable notes with cards: as many as the library makes of them (`expected_cards`)."""
CARDS: dict[str, int] = {
    "deep_lists.md": LEVELS, "deep_quotes.md": LEVELS, "empty.md": 0, "zero\u200bwidth name.md": 0,
}  # fmt: skip
"""Readable notes whose card count follows from their text: one per level, or none."""

UNREAD = ("broken_front_matter.md", "front_matter_list.md", "not_utf8.md", "binary.md", "utf16.md")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in `tmp_path`, so the lock file and deckgen.yaml are the test's own; these tests check
    plumbing, so they keep every card that is not rejected rather than a note's focused budget."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deckgen.yaml").write_text("cards: all\n", encoding="utf-8")


def note_path(name: str, tmp_path: Path) -> Path:
    """The committed note `name`, or the generated one written into `tmp_path`."""
    if name in GENERATED:
        (tmp_path / "in").mkdir(exist_ok=True)
        path = tmp_path / "in" / name
        path.write_bytes(GENERATED[name])
        return path
    return HOSTILE / name


def expected_cards(name: str, path: Path) -> int:
    """How many cards the note gives: pinned in CARDS, else as many as the library makes of it
    (at least one: hostile bytes around it must not cost a good note its cards)."""
    if name in CARDS:
        return CARDS[name]
    made, _ = make_cards([read_note(path, name)], Config(cards="all"))
    assert made, f"{name} gives no cards"
    return len(made)


def deckgen(*args: str | Path) -> Result:
    """`deckgen build ARGS --out out`; no traceback may reach the user."""
    result = runner.invoke(app, ["build", *map(str, args), "--out", "out"])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def warnings(result: Result) -> list[str]:
    """The warnings, without the list of notes that gave no cards that follows them (test_empty.py)."""
    lines = re.split(r"^\d+ notes? gave no cards:$", result.stderr, maxsplit=1, flags=re.M)[0]
    return [
        line.removeprefix("warning: ") for line in lines.splitlines() if not line.startswith("settings: ")
    ]


def cards(result: Result) -> int:
    m = re.match(r"(\d+) notes? → (\d+) cards?", result.stdout)
    assert m, result.output
    return int(m.group(2))


ALL = sorted({p.name for p in HOSTILE.glob("*.md")} | set(GENERATED))


def test_every_committed_case_is_listed() -> None:
    assert set(ALL) == set(GIVES_CARDS) | set(CARDS) | set(UNREAD)


@pytest.mark.parametrize("name", ALL)
def test_each_note_builds_or_warns(name: str, tmp_path: Path) -> None:
    path = note_path(name, tmp_path)
    result = deckgen(path, "-v")  # every warning, not one of each kind
    assert result.exit_code == 0, result.output
    assert warnings(result) == WARNINGS.get(name, [])
    assert cards(result) == (0 if name in UNREAD else expected_cards(name, path))
    if name in WARNINGS:
        strict = deckgen(path, "--strict")
        assert strict.exit_code == 1
        assert strict.stderr.splitlines() == [
            f"deckgen: {len(WARNINGS[name])} problem(s) and --strict is on:",
            *WARNINGS[name],
        ]


def test_the_whole_folder_builds_decks_for_the_good_notes(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    shutil.copytree(HOSTILE, folder)
    for name, data in GENERATED.items():
        (folder / name).write_bytes(data)
    result = deckgen(folder, "--json")
    assert result.exit_code == 0, result.output
    col = open_collection(tmp_path / "c.anki2")
    try:
        for package in (tmp_path / "out").glob("*.apkg"):
            import_apkg(col, package)
        decks = {d.name: len(col.find_cards(f'deck:"{d.name}"')) for d in col.decks.all_names_and_ids()}
    finally:
        col.close()
    expected = {name: expected_cards(name, folder / name) for name in (*GIVES_CARDS, *CARDS)}
    assert decks["Hostile Inputs::Good note"] == expected["good_note.md"]
    assert decks["Notes::Every script"] == expected["unicode_scripts.md"]
    assert decks["Notes::Bad timestamps"] == expected["bad_timestamps.md"]
    assert decks["Notes::deep lists"] == expected["deep_lists.md"] == LEVELS
    assert sum(n for name, n in decks.items() if "::" in name) == sum(expected.values())


def test_front_matter_is_only_at_the_top() -> None:
    text = (HOSTILE / "rule_in_body.md").read_text(encoding="utf-8")
    note = parse_note(text, "rule_in_body.md")
    assert note.title == "rule in body" and note.problems == ()
    assert [b.text for b in note.blocks][1] == "title: not front matter"


@pytest.mark.parametrize("name", ["deep_lists.md", "deep_quotes.md"])
def test_fifty_levels_of_nesting_are_all_read(name: str) -> None:
    note = parse_note((HOSTILE / name).read_text(encoding="utf-8"), name)
    assert note.blocks[-1].text.endswith(f"at depth {LEVELS} is read.")
    assert len(note.blocks) == LEVELS + 1 and note.problems == ()


def test_nesting_beyond_the_limit_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "deep.md").write_text("> " * 1000 + "Too deep.\n\n" + DEFINITION, encoding="utf-8")
    result = deckgen(tmp_path / "deep.md")
    assert result.exit_code == 0
    assert warnings(result) == [
        "deep.md:1: lists and quotes nested this deep are not read — use fewer levels"
    ]
    assert cards(result) == 1


def test_unicode_text_survives() -> None:
    note = parse_note((HOSTILE / "unicode_scripts.md").read_text(encoding="utf-8"), "u.md")
    texts = {b.term: b.text for b in note.blocks}
    assert texts["Кириллица"] == "Модели теряют нить в длинных задачах. Это важно."
    assert texts["Zerowidth"] == "Invisible characters hide inside words and stamps."  # U+200B dropped
    assert "\u200d" in texts["Emoji"] and "\u200f" in texts["Bidi"]  # joiners and marks kept
    assert [t.label for b in note.blocks for _, t in b.stamps][-3:] == ["02:40", "02:50", "03:00"]


def _line(every: int, size: int) -> str:
    """One line of `size` characters of distinct sentences, every `every`-th with a timestamp."""
    out, i, n = [], 0, 0
    while n < size:
        i += 1
        stamp = f" [{i // 3600 % 100:02d}:{i // 60 % 60:02d}:{i % 60:02d}]" if i % every == 0 else ""
        out.append(f"Speaker {i} says that model {i * 7} reasons over contexts of {i * 13} tokens{stamp}. ")
        n += len(out[-1])
    return "".join(out)[:size] + "\n"


def _stamped(line: str) -> int:
    """How many sentences of `_line`'s text carry a timestamp: each gives one card."""
    return len(re.findall(r" \[\d\d:\d\d:\d\d\]\.", line))


def test_one_megabyte_line_builds(tmp_path: Path) -> None:
    line = _line(20, 1_000_000)
    (tmp_path / "long.md").write_text(line, encoding="utf-8")
    result = deckgen(tmp_path / "long.md")
    assert result.exit_code == 0 and warnings(result) == []
    assert cards(result) == _stamped(line) > 600


def test_one_megabyte_line_with_a_stamp_per_sentence_parses_in_seconds() -> None:
    note = parse_note(_line(1, 1_000_000), "long.md")
    assert len(note.blocks[0].stamps) > 10_000


def test_line_with_a_stamp_per_sentence_builds(tmp_path: Path) -> None:
    line = _line(1, 200_000)
    (tmp_path / "long.md").write_text(line, encoding="utf-8")
    result = deckgen(tmp_path / "long.md")
    assert result.exit_code == 0 and cards(result) == _stamped(line) > 2000


def test_300_kb_table_builds(tmp_path: Path) -> None:
    row = "| Coherence | Models drift away from the goal [00:01:00] | **bold** |\n"
    table = "| Term | Meaning | Note |\n|---|---|---|\n" + row * (300_000 // len(row))
    (tmp_path / "table.md").write_text(DEFINITION + "\n" + table, encoding="utf-8")
    result = deckgen(tmp_path / "table.md")
    assert result.exit_code == 0 and warnings(result) == []
    assert cards(result) == 1  # tables never become cards


def test_note_too_big_to_be_a_note(tmp_path: Path) -> None:
    (tmp_path / "dump.md").write_bytes(b"x" * (3 * 1024 * 1024))
    result = deckgen(tmp_path / "dump.md")
    assert result.exit_code == 0
    assert warnings(result) == ["dump.md:1: the file is over 2 MB, too big for a note — split it into notes"]


def test_symlink_loops_in_the_notes_folder(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text(DEFINITION, encoding="utf-8")
    (notes / "loop").symlink_to(".", target_is_directory=True)  # a folder that contains itself
    (notes / "self.md").symlink_to("self.md")
    (notes / "a.md").symlink_to("b.md")
    (notes / "b.md").symlink_to("a.md")
    (notes / "gone.md").symlink_to("missing.md")
    result = deckgen(notes)
    assert result.exit_code == 0
    loop = "the file is a symbolic link that loops back on itself — fix or remove the link"
    assert warnings(result) == [
        f"a.md:1: {loop}", f"b.md:1: {loop}",
        "gone.md:1: the file is gone, or is a symbolic link to nothing — fix or remove the link",
        f"self.md:1: {loop}",
    ]  # fmt: skip
    assert cards(result) == 1
    assert deckgen(notes, "--strict").exit_code == 1


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked.md"
    locked.write_text(DEFINITION, encoding="utf-8")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything: make the read fail as it would for a user
        real_open = Path.open

        def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == locked:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", refuse)
    result = deckgen(locked)
    assert result.exit_code == 0
    assert warnings(result) == [
        "locked.md:1: cannot read the file (permission denied) — check its permissions (chmod +r)"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipe_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    os.mkfifo(tmp_path / "notes" / "pipe.md")  # opening it would wait for a writer forever
    (tmp_path / "notes" / "good.md").write_text(DEFINITION, encoding="utf-8")
    result = deckgen(tmp_path / "notes")
    assert result.exit_code == 0 and cards(result) == 1
    assert warnings(result) == [
        "pipe.md:1: this is not a regular file (a pipe, device or folder) — remove it"
    ]


def test_symlink_loop_named_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "self.md").symlink_to("self.md")
    result = deckgen(tmp_path / "self.md")
    assert result.exit_code == 0
    assert warnings(result) == [
        "self.md:1: the file is a symbolic link that loops back on itself — fix or remove the link"
    ]


CONTROLS = "".join(map(chr, [*range(0x01, 0x09), *range(0x0B, 0x20), 0x7F, 0x85, 0x9B]))
"""C0 and C1 control characters (not NUL: that makes the file binary; not tab and line feed)."""


def test_control_characters_never_reach_a_field(tmp_path: Path) -> None:
    """A \\x1f (Anki's field separator) in a title gave a package Anki refused: 'note has 9 fields'."""
    (tmp_path / "in").mkdir()
    note = (
        '---\ntitle: "Tit\\x1fle \\e]52;c;aGk=\\a"\ngenerate: true\n---\n\n'  # YAML's escapes: \x1f, ESC, BEL
        f"# Head\x1fing\n\n- **Coh\x1ference:** Models drift\x1f away{CONTROLS} "
        "from the goal [00:01:00].\n\n#flashcards\n\nWhat\x1f drifts::the mo\x1fdels\n\n"
        "The ==dri\x1fft== away.\n"
    )
    (tmp_path / "in" / f"no\x1fte{CONTROLS}.md").write_text(note, encoding="utf-8")
    (tmp_path / "in" / "named\x1f.md").write_text("- **Cause\x07:** a thing\x1b[31m that makes it.\n")
    result = deckgen(tmp_path / "in")
    assert result.exit_code == 0, result.output
    col = open_collection(tmp_path / "c.anki2")
    try:
        for package in (tmp_path / "out").glob("*.apkg"):
            import_apkg(col, package)
        notes = snapshot(col)["notes"].values()
        decks = [d.name for d in col.decks.all_names_and_ids()]
    finally:
        col.close()
    assert len(notes) == 4  # the term, the written card, the cloze; the other note's term
    texts = [text for n in notes for text in (*n["fields"].values(), *n["tags"])] + decks
    assert not [t for t in texts if re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", t)]
    questions = " ".join(n["fields"].get("Question", n["fields"].get("Text", "")) for n in notes)
    assert "Coherence" in questions and "What drifts" in questions and "Cause" in questions


ESCAPES = "\x1b]52;c;aGk=\x07\x1b[2J\x9b31m\u202e"
"""OSC 52 (writes the clipboard), clear screen, a C1 CSI and a right-to-left override."""


def test_nothing_printed_runs_as_a_terminal_command(tmp_path: Path) -> None:
    """Escapes in titles, front matter and text were printed raw by preview and diff."""
    yaml_escapes = "\\e]52;c;aGk=\\a\\e[2J\\x9b31m\\u202e"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / f"note{ESCAPES}.md").write_text(
        f'---\ntitle: "T{yaml_escapes}"\nlang: "{yaml_escapes}"\n---\n\n'
        f"- **Coherence{ESCAPES}:** Models drift{ESCAPES} away from the goal [00:01:00].\n",
        encoding="utf-8",
    )
    note = next((tmp_path / "in").iterdir())
    runs = {
        "preview": ["preview", note, "--base", tmp_path / "in"],
        "why": ["preview", note, "--why"],
        "diff": ["diff", tmp_path / "in"],
        "json": ["build", tmp_path / "in", "--json"],
    }
    printed = {name: runner.invoke(app, list(map(str, args))) for name, args in runs.items()}
    for name, result in printed.items():
        assert result.exit_code == 0, (name, result.output)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", result.output), name
        assert "\\u001b]52;c;aGk=\\u0007" in result.output, name  # shown, not run
    warned = json.loads(printed["json"].stdout)["warnings"]
    assert any("\x1b]52;c;aGk=\x07" in w for w in warned)  # the JSON string holds the text as it was


def test_a_note_linked_from_outside_the_vault_is_not_read(tmp_path: Path) -> None:
    """Notes are treated as images are: a symbolic link that leaves the vault is not followed."""
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "diary.md").write_text("- **Secret:** what the diary says here.\n")
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "good.md").write_text(DEFINITION, encoding="utf-8")
    (notes / "sub" / "diary.md").symlink_to(tmp_path / "private" / "diary.md")
    (notes / "sub" / "twin.md").symlink_to("../good.md")  # a link within the vault is read
    result = deckgen(notes)
    assert result.exit_code == 0
    assert warnings(result) == [
        "sub/diary.md:1: the note is a symbolic link to a file outside the vault, and is not read "
        "(as images are not) — copy the file into the vault, or give the file itself"
    ]
    assert cards(result) == 2
    assert read_note(tmp_path / "private" / "diary.md").blocks  # the file itself is read
