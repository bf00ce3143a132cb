"""Incremental builds: a rebuild settles and writes only what an edit touched, and gives what a
full build would."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import SEEDS
from deckgen.build import BuildOptions, BuildResult, build, readall
from deckgen.build import settle as incremental
from deckgen.build import writer as writer_module
from deckgen.build.discover import NoteFile
from deckgen.build.readall import make_cards
from deckgen.config import Config
from deckgen.identity import lockfile, lockformat
from deckgen.identity.lockfile import read_lock
from deckgen.identity.lockwrite import dump_lock, write_lock
from deckgen.identity.match import Entry, NoteEntry
from deckgen.notes import read_note

NOW = 1_800_000_000
EDITED = "reasoning_in_ai_models.md"
RENAME = ("Multimodal Generalization", "Multimodal Transfer")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "notes")
    build([tmp_path / "notes"], tmp_path / "out", Config(), NOW, BuildOptions(lock=tmp_path / "deckgen.lock"))
    return tmp_path


def _edit(note: Path) -> None:
    note.write_text(note.read_text(encoding="utf-8").replace(*RENAME), encoding="utf-8")


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _cards(result: BuildResult) -> list[tuple[str, int, str]]:
    return [(c.guid, c.mtime, c.face.question) for d in result.decks for c in d.cards]


def test_editing_one_note_rewrites_only_its_lock_entry_and_its_package(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock, out, notes = vault / "deckgen.lock", vault / "out", vault / "notes"
    entries, packages = (
        _files(lockformat.folder_of(lock) / "notes"),
        {p.name: p.read_bytes() for p in out.glob("*.apkg")},
    )
    loaded: list[str] = []
    podcast = "The Dwarkesh Podcast::"
    same_package = [n.path for n in read_lock(lock) if any(e.deck.startswith(podcast) for e in n.claims)]
    real = readall.load_claims

    def load(f: NoteFile, *rest: Any) -> Any:
        loaded.append(f.display)
        return real(f, *rest)

    monkeypatch.setattr(incremental, "load_claims", load)
    _edit(notes / EDITED)
    result = build([notes], out, Config(), NOW + 100, BuildOptions(lock=lock))
    assert (
        result.plan.count("added") + result.plan.count("changed") >= 1 and result.plan.count("retired") == 0
    )
    assert loaded == [EDITED]  # the others, even of its package, were neither read nor loaded
    assert EDITED in same_package and len(same_package) == 2
    after = _files(lockformat.folder_of(lock) / "notes")
    changed = {name for name in entries if after[name] != entries[name]}
    assert changed == {
        str(lockfile.entry_file(lock, EDITED).relative_to(lockformat.folder_of(lock) / "notes"))
    }
    rewritten = {p.name for p in out.glob("*.apkg") if p.read_bytes() != packages[p.name]}
    assert rewritten == {"the-dwarkesh-podcast.apkg"}
    assert {d.name.split("::")[0] for d in result.decks} == {"The Dwarkesh Podcast"}  # its package's decks


def test_a_rebuild_gives_what_a_full_build_gives(vault: Path) -> None:
    """The same edit, built incrementally and built in full from the same lock: the same lock,
    plan, counts and cards."""
    lock, notes = vault / "deckgen.lock", vault / "notes"
    shutil.copy(lock, vault / "full.lock")
    shutil.copytree(lockformat.folder_of(lock), lockformat.folder_of(vault / "full.lock"))
    _edit(notes / EDITED)
    (notes / "problemsolving_strategies_in_math.md").unlink()  # its cards retire
    shutil.move(notes / "superconductors_and_their_potential_applications.md", notes / "moved.md")
    quick = build([notes], vault / "out", Config(), NOW + 100, BuildOptions(lock=lock))
    full = build(
        [notes], vault / "full", Config(), NOW + 100, BuildOptions(lock=vault / "full.lock", every_card=True)
    )
    assert dump_lock(read_lock(lock)) == dump_lock(read_lock(vault / "full.lock"))
    assert quick.plan == full.plan and quick.plan.count("retired") > 0 and quick.plan.count("moved") == 0
    assert (quick.notes, quick.cards, quick.deck_count, quick.kinds) == (
        full.notes,
        full.cards,
        full.deck_count,
        full.kinds,
    )
    assert (quick.problems, quick.empty) == (full.problems, full.empty)
    assert [p.name for p in quick.outputs] == [p.name for p in full.outputs]
    rebuilt = {d.name for d in quick.decks}
    assert _cards(quick) == [c for d in full.decks if d.name in rebuilt for c in _cards_of(d)]
    assert not lockfile.entry_file(lock, "superconductors_and_their_potential_applications.md").exists()


def _cards_of(deck: object) -> list[tuple[str, int, str]]:
    return [(c.guid, c.mtime, c.face.question) for c in deck.cards]  # type: ignore[attr-defined]


def test_a_package_is_written_once_its_last_note_is_settled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory follows the largest package, not the vault: cards are held only until their package
    is written."""
    shutil.copytree(SEEDS, tmp_path / "notes")
    held: list[int] = []
    flush = writer_module.Writer.flush

    def watch(self: Any, i: int) -> None:
        held.append(sum(len(cards) for cards in self.live.values()))
        flush(self, i)

    monkeypatch.setattr(writer_module.Writer, "flush", watch)
    result = build(
        [tmp_path / "notes"], tmp_path / "out", Config(), NOW, BuildOptions(lock=tmp_path / "deckgen.lock")
    )
    assert len(result.outputs) >= 3
    assert 0 < max(held) < result.cards  # never every card at once


def test_a_new_card_never_takes_a_guid_the_lock_holds(tmp_path: Path) -> None:
    """Read per note, the lock still answers for every GUID it holds (deckgen.lock.d/guids)."""
    notes, lock = tmp_path / "notes", tmp_path / "deckgen.lock"
    notes.mkdir()
    shutil.copy(SEEDS / "superconductors_and_their_potential_applications.md", notes)
    build([notes], tmp_path / "out", Config(), NOW, BuildOptions(lock=lock))
    cards, _ = make_cards([read_note(SEEDS / EDITED, EDITED)], Config())
    taken = Entry(cards[0].guid, "def:other", "definition", "h", 50, "Deck", "q", "a")
    write_lock(lock, [*read_lock(lock), NoteEntry("gone.md", "gone/id", "", (), (taken,))])
    shutil.copy(SEEDS / EDITED, notes)
    result = build([notes], tmp_path / "out", Config(), NOW + 100, BuildOptions(lock=lock))
    guids = [c.guid for d in result.decks for c in d.cards if c.note_path == EDITED]
    assert len(guids) == len(cards) and taken.guid not in guids
    assert [c.guid for c in cards[1:]] == guids[1:]  # the others keep the GUIDs they derive


@pytest.mark.parametrize("cut_at", range(4))
def test_a_build_cut_short_leaves_every_guid_on_the_guid_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut_at: int
) -> None:
    """Ctrl-C between renames: the next build must still list every GUID the entries hold, or a
    later note with the same identity could be given one of them."""
    notes, lock = tmp_path / "notes", tmp_path / "deckgen.lock"
    for source, count in (("a", 3), ("b", 2)):
        (notes / source).mkdir(parents=True)
        for i in range(count):
            (notes / source / f"n{i}.md").write_text(
                f"# T{source}{i}\n\n- **Word{source}{i}x:** a river stone that is salt\n"
                f"- **Word{source}{i}y:** a bread oven that is hot\n", encoding="utf-8"
            )  # fmt: skip
    build([notes], tmp_path / "out", Config(), 1_800_000_000, BuildOptions(lock=lock, jobs=1))
    first = notes / "a" / "n0.md"
    first.write_text(first.read_text("utf-8") + "- **Newclaimz:** a kappa theta that is sigma\n", "utf-8")
    real, calls = os.replace, [0]

    def flaky(source: Any, target: Any) -> None:
        if "deckgen.lock" in str(target) or str(target).endswith(".apkg"):
            calls[0] += 1
            if calls[0] == cut_at + 1:
                raise KeyboardInterrupt
        real(source, target)

    monkeypatch.setattr(os, "replace", flaky)
    with contextlib.suppress(KeyboardInterrupt):
        build([notes], tmp_path / "out", Config(), 1_800_000_100, BuildOptions(lock=lock, jobs=1))
    monkeypatch.setattr(os, "replace", real)
    build([notes], tmp_path / "out", Config(), 1_800_000_200, BuildOptions(lock=lock, jobs=1))
    opened = lockfile.open_lock(lock)
    assert [g for g in lockfile.guids_of(opened.entries()) if not opened.holds(g)] == []


def test_a_note_in_a_folder_with_invisible_characters_keeps_its_lock_entry(tmp_path: Path) -> None:
    # The public vault has a folder named "\u2068cleoabram\u2069" (Unicode isolates round the
    # name). The lock names a note as its cards do, with such characters written out; a build that
    # looked the note up by its raw path found no entry, dropped it from the lock (retiring its
    # cards) and added them all again at the next build.
    notes = tmp_path / "notes"
    odd = notes / "\u2068cleo\u2069"
    odd.mkdir(parents=True)
    shutil.copy(SEEDS / EDITED, odd / EDITED)
    shutil.copy(SEEDS / "problemsolving_strategies_in_math.md", notes / "other.md")
    lock, out = tmp_path / "deckgen.lock", tmp_path / "out"
    options = BuildOptions(lock=lock)
    first = build([notes], out, Config(), NOW, options)
    assert first.plan.counts()["added"] == first.cards
    assert len(read_lock(lock)) == 2
    (notes / "other.md").write_text((notes / "other.md").read_text(encoding="utf-8") + "\nMore.\n")
    again = build([notes], out, Config(), NOW + 60, options)
    assert again.plan.counts()["added"] == again.plan.counts()["retired"] == 0
    assert {n.path for n in read_lock(lock)} == {"\\u2068cleo\\u2069/" + EDITED, "other.md"}
    _edit(odd / EDITED)  # a changed claim of the odd note keeps its GUID
    edited = build([notes], out, Config(), NOW + 120, options)
    assert edited.plan.counts()["changed"] == 1 and edited.plan.counts()["added"] == 0
