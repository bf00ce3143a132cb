"""Writing sheets fast: worker processes give the same files as one process, unchanged sheets are
not written again, sheets of gone decks are removed, `all.pdf` is the decks' PDFs joined, and
progress is shown on a terminal only."""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pypdf
import pytest
from typer.testing import CliRunner

from conftest import REFERENCE, SEEDS
from deckgen import cli
from deckgen.cli.common import progress_bar
from deckgen.errors import ConfigError
from deckgen.model import Deck
from deckgen.write import sheets
from deckgen.write.sheet import SheetSettings, split_name
from deckgen.write.sheets import STATE_NAME, write_all
from test_write_sheet import BUILT, TEMPLATES, attention_deck, card, llm_deck, pdf_pages, squash, tokens_deck

OLD = 1_000_000_000_000_000_000  # an mtime (ns) no write can leave behind


def settings(**changes: object) -> SheetSettings:
    base = SheetSettings((TEMPLATES,), BUILT.isoformat(), formats=("html", "md"))
    return replace(base, **changes)  # type: ignore[arg-type]


def small_deck(name: str, answer: str = "an answer") -> Deck:
    return Deck(name, (card(name, 1, f"What does {name} say?", answer),))


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of a few cards, so that these few decks make several, some of more than one deck."""
    monkeypatch.setattr(sheets, "BATCH_CARDS", 3)


def decks() -> list[Deck]:
    """Enough decks for the worker processes to be used."""
    found = [llm_deck(8), attention_deck(), tokens_deck(), small_deck("Talks::One"), small_deck("Talks::Two")]
    batches = sheets._batches([(deck, "") for deck in found])
    assert len(batches) >= 3 and max(map(len, batches)) > 1
    return found


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def age(folder: Path) -> None:
    """Give every file one old mtime, so that any write shows."""
    for path in folder.iterdir():
        os.utime(path, ns=(OLD, OLD))


def rewritten(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.stat().st_mtime_ns != OLD}


def test_worker_processes_write_the_same_sheets_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # fontTools dates the fonts it subsets
    every = settings(formats=("html", "pdf", "md"))
    one = write_all(decks(), tmp_path / "one", every, jobs=1)
    two = write_all(decks(), tmp_path / "two", every, jobs=2)
    assert [p.name for p in one.paths] == [p.name for p in two.paths]
    assert contents(tmp_path / "one" / "sheets") == contents(tmp_path / "two" / "sheets")
    assert len(contents(tmp_path / "one" / "sheets")) == 3 * (len(decks()) + 1)


def test_unchanged_sheets_are_not_written_again(tmp_path: Path) -> None:
    folder = tmp_path / "sheets"
    first = write_all(decks(), tmp_path, settings(formats=("html", "pdf")), jobs=2)
    assert first.written == first.paths
    age(folder)
    again = write_all(decks(), tmp_path, settings(formats=("html", "pdf")), jobs=2)
    assert again.written == () and again.paths == first.paths
    assert rewritten(folder) == set()

    edited = decks()
    edited[1] = small_deck(edited[1].name, answer="a changed answer")
    third = write_all(edited, tmp_path, settings(formats=("html", "pdf")), jobs=2)
    slug = "3blue1brown-attention-in-transformers"
    expected = {f"{slug}.html", f"{slug}.pdf", "all.html", "all.pdf"}
    assert rewritten(folder) == expected == {p.name for p in third.written}
    assert squash("a changed answer") in "".join(pdf_pages(folder / "all.pdf"))
    assert squash("a changed answer") in "".join(pdf_pages(folder / f"{slug}.pdf"))


def test_layout_settings_and_templates_count_as_changes(tmp_path: Path) -> None:
    folder = tmp_path / "out" / "sheets"
    write_all(decks(), tmp_path / "out", settings(), jobs=1)
    age(folder)
    write_all(decks(), tmp_path / "out", settings(layout="key"), jobs=1)
    assert rewritten(folder) == {p.name for p in folder.iterdir()}

    custom = tmp_path / "mine"
    shutil.copytree(TEMPLATES, custom)
    write_all(decks(), tmp_path / "out", settings(layout="key", folders=(custom, TEMPLATES)), jobs=1)
    age(folder)
    (custom / "sheet.css").write_text("body { color: red; }\n", encoding="utf-8")
    write_all(decks(), tmp_path / "out", settings(layout="key", folders=(custom, TEMPLATES)), jobs=1)
    html = {p.name for p in folder.glob("*.html")}
    assert rewritten(folder) == {p.name for p in folder.iterdir()} and html
    assert all("color: red" in (folder / name).read_text(encoding="utf-8") for name in html)


def test_a_deleted_sheet_is_written_again(tmp_path: Path) -> None:
    write_all(decks(), tmp_path, settings(), jobs=1)
    gone = tmp_path / "sheets" / "talks-one.md"
    gone.unlink()
    run = write_all(decks(), tmp_path, settings(), jobs=1)
    assert gone.is_file() and gone in run.written


def test_sheets_of_decks_that_are_gone_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "sheets"
    write_all(decks(), tmp_path, settings(), jobs=1)
    mine = folder / "my-notes.md"
    mine.write_text("the learner's own file\n", encoding="utf-8")
    run = write_all(decks()[:-1], tmp_path, settings(), jobs=1)
    assert sorted(p.name for p in run.removed) == ["talks-two.html", "talks-two.md"]
    assert not (folder / "talks-two.html").exists() and mine.is_file()
    assert "Talks::Two" not in (folder / "all.html").read_text(encoding="utf-8")
    assert "talks-two" not in (tmp_path / STATE_NAME).read_text(encoding="utf-8")


def test_all_pdf_is_every_deck_pdf_joined(tmp_path: Path) -> None:
    run = write_all(decks(), tmp_path, settings(formats=("pdf",)), jobs=2)
    *parts, whole = (pypdf.PdfReader(path) for path in run.paths)
    assert len(whole.pages) == sum(len(part.pages) for part in parts)
    all_text = [squash(page.extract_text()) for page in whole.pages]
    part_text = [squash(page.extract_text()) for part in parts for page in part.pages]
    assert all_text == part_text
    links = [a.get_object()["/A"]["/URI"] for page in whole.pages for a in page.get("/Annots", [])]
    assert "https://www.youtube.com/watch?v=eMlx5fFNoYc&t=195s" in links
    assert whole.metadata is not None and whole.metadata.title == f"Study sheets — {BUILT.isoformat()}"
    bookmarks = [o for o in whole.outline if not isinstance(o, list)]
    assert [o.title for o in bookmarks] == [split_name(deck.name)[2] for deck in decks()]
    for bookmark in bookmarks:  # each deck's bookmark opens the page its title is on
        page = whole.get_destination_page_number(bookmark)
        assert page is not None and squash(str(bookmark.title)) in all_text[page]


def test_a_template_error_on_a_worker_names_its_line_and_writes_nothing(tmp_path: Path) -> None:
    custom = tmp_path / "mine"
    custom.mkdir()
    (custom / "sheet.html.j2").write_text("<html>\n{{ sections[0].nothing }}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{custom / 'sheet.html.j2'}:2: "):
        write_all(decks(), tmp_path / "out", settings(folders=(custom, TEMPLATES), formats=("html",)), jobs=2)
    assert not (tmp_path / "out").exists()


def test_progress_counts_the_decks_rendered(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    write_all(decks(), tmp_path, settings(), jobs=2, progress=lambda done, total: seen.append((done, total)))
    # once per batch: the decks done so far, of all
    done = [0, *(d for d, _ in seen)]
    sizes = sorted(map(len, sheets._batches([(deck, "") for deck in decks()])))
    assert sorted(b - a for a, b in itertools.pairwise(done)) == sizes
    assert {total for _, total in seen} == {len(decks())} and done[-1] == len(decks())
    seen.clear()
    write_all(decks(), tmp_path, settings(), jobs=2, progress=lambda done, total: seen.append((done, total)))
    assert seen == []  # nothing to render, nothing to show


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    update, close = progress_bar("Writing sheets", least=1)
    update(1, 2)
    update(2, 2)
    close()
    assert "Writing sheets" in terminal.getvalue() and "100%" in terminal.getvalue()
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    update, close = progress_bar("Writing sheets", least=1)
    update(1, 1)
    close()
    assert piped.getvalue() == ""


def test_sheet_command_says_what_it_wrote_and_nothing_more_when_piped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["sheet", str(REFERENCE), "--format", "html"]
    first = CliRunner().invoke(cli.app, args)
    assert first.exit_code == 0, first.output
    assert first.stdout.endswith("sheet files in out/sheets (2 written, 0 unchanged)\n")
    assert "Writing sheets" not in first.stderr
    again = CliRunner().invoke(cli.app, args)
    assert again.stdout.endswith("(0 written, 2 unchanged)\n")


def test_build_with_sheets_lists_them_and_skips_them_when_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["build", str(REFERENCE), "--sheets", "--json", "--lock", "deckgen.lock"]
    first = CliRunner().invoke(cli.app, args)
    assert first.exit_code == 0, first.output
    outputs = json.loads(first.stdout)["outputs"]
    assert {"out/sheets/all.html", "out/sheets/all.pdf"} <= set(outputs)
    assert "Writing sheets" not in first.stderr
    folder = tmp_path / "out" / "sheets"
    age(folder)
    again = CliRunner().invoke(cli.app, args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["outputs"] == outputs and rewritten(folder) == set()


def test_the_sheet_command_keeps_the_note_cache_so_only_an_edited_note_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deckgen.build import readall
    from deckgen.notes import reader

    notes = tmp_path / "notes"
    shutil.copytree(SEEDS, notes)
    monkeypatch.chdir(tmp_path)
    read: list[str] = []
    parse = reader.parse_note

    def counted(text: str, path: str, *args: Any, **kwargs: Any) -> Any:
        read.append(path)
        return parse(text, path, *args, **kwargs)

    monkeypatch.setattr(reader, "parse_note", counted)
    monkeypatch.setattr(readall, "PARALLEL_FROM", 10_000)  # in this process, where the counter is
    args = ["sheet", str(notes), "--format", "md"]
    assert CliRunner().invoke(cli.app, args).exit_code == 0
    assert len(read) == len(list(notes.rglob("*.md")))
    assert len(list((tmp_path / "out" / ".deckgen-cache").glob("*/*.json"))) == len(read)
    read.clear()
    note = notes / "reasoning_in_ai_models.md"
    stamp = '<a class="yt-timestamp" data-t="00:59:00">[00:59:00]</a>'
    note.write_text(note.read_text(encoding="utf-8") + f"\n* An added line {stamp}\n", encoding="utf-8")
    again = CliRunner().invoke(cli.app, args)
    assert again.exit_code == 0, again.output
    assert [Path(p).name for p in read] == [note.name]
    dry = CliRunner().invoke(cli.app, ["build", str(notes), "--dry-run", "--out", "elsewhere"])
    assert dry.exit_code == 0 and not (tmp_path / "elsewhere").exists()  # a dry run still writes nothing
