"""Packages updated in place: after an edit, only the decks whose cards change are put together
again, and what a learner imports is what a package written from every note gives."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from anki_check import import_apkg, open_collection, snapshot
from conftest import SEEDS
from deckgen.build import BuildOptions, BuildResult, build
from deckgen.build import writer as writer_module
from deckgen.config import Config
from deckgen.errors import BuildError
from deckgen.identity import lockformat
from deckgen.write import package as package_module
from test_media import png

NOW = 1_800_000_000
EDITED = "reasoning_in_ai_models.md"
NEIGHBOUR = "the_future_of_programming_and_ai_tools_like_github_copilot.md"


def _reword(note: Path) -> None:
    """An edit that changes one card of the reference note."""
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("Multimodal Generalization", "Multimodal Transfer"), encoding="utf-8")


def _copy_lock(lock: Path, to: Path) -> None:
    shutil.copy(lock, to)
    shutil.copytree(lockformat.folder_of(lock), lockformat.folder_of(to))


def _imported(apkg: Path, where: Path) -> dict[str, Any]:
    """What a learner's new collection holds after importing `apkg`: notes by GUID (note type,
    fields, tags, mtime, decks), the decks, the note types, and each deck's new cards in order."""
    col = open_collection(where)
    try:
        import_apkg(col, apkg)
        snap = snapshot(col)
    finally:
        col.close()
    notes = {
        g: (n["notetype"], n["fields"], n["tags"], n["mod"], [c["deck"] for c in n["cards"]])
        for g, n in snap["notes"].items()
    }
    order: dict[str, list[tuple[int, str]]] = {}
    for g, n in snap["notes"].items():
        for c in n["cards"]:
            order.setdefault(c["deck"], []).append((c["due"], g))
    types = {t["name"]: (t["fields"], t["templates"]) for t in snap["notetypes"].values()}
    return {
        "notes": notes, "decks": snap["decks"], "types": types,
        "order": {d: [g for _, g in sorted(cards)] for d, cards in order.items()},
    }  # fmt: skip


class Spy:
    """Which packages a build wrote whole and which it updated in place."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.whole: list[str] = []
        self.patched: list[str] = []
        stage, patch = package_module.stage_package, package_module.patch_package

        def whole(stage_: Any, path: Path, *rest: Any) -> Any:
            self.whole.append(path.name)
            return stage(stage_, path, *rest)

        def patched(stage_: Any, path: Path, *rest: Any) -> Any:
            self.patched.append(path.name)
            return patch(stage_, path, *rest)

        monkeypatch.setattr(writer_module, "stage_package", whole)
        monkeypatch.setattr(writer_module, "patch_package", patched)


def _both(vault: Path, notes: Path, now: int) -> tuple[BuildResult, BuildResult]:
    """The rebuild into `out` with its lock, and a build from every note with a copy of the same
    lock into a fresh folder."""
    lock = vault / "deckgen.lock"
    full_lock = vault / f"full-{now}.lock"
    _copy_lock(lock, full_lock)
    quick = build([notes], vault / "out", Config(), now, BuildOptions(lock=lock))
    full = build([notes], vault / f"full-{now}", Config(), now, BuildOptions(lock=full_lock))
    return quick, full


def _same_packages(quick: BuildResult, full: BuildResult, where: Path) -> None:
    assert [p.name for p in quick.outputs] == [p.name for p in full.outputs]
    for a, b in zip(quick.outputs, full.outputs, strict=True):
        assert _imported(a, where / f"q-{a.stem}.anki2") == _imported(b, where / f"f-{b.stem}.anki2"), a.name


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "notes")
    build([tmp_path / "notes"], tmp_path / "out", Config(), NOW, BuildOptions(lock=tmp_path / "deckgen.lock"))
    return tmp_path


def test_edits_update_packages_in_place_and_import_as_packages_written_whole(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = vault / "notes"
    spy = Spy(monkeypatch)
    text = (notes / EDITED).read_text(encoding="utf-8")
    _reword(notes / EDITED)
    quick, full = _both(vault, notes, NOW + 100)
    assert spy.patched == ["the-dwarkesh-podcast.apkg"]  # the neighbour's deck was not read again
    assert "the-dwarkesh-podcast.apkg" in spy.whole  # (the full build's)
    assert quick.plan == full.plan and quick.plan.count("changed") >= 1
    _same_packages(quick, full, vault)

    # a new note in the same source (a deck of its own), a deleted note, a renamed one
    new = text.replace("Reasoning in AI models", "Planning in AI models").replace(
        "Wo95ob_s_NI", "AAAAAAAAAAA"
    )
    (notes / "planning.md").write_text(new, encoding="utf-8")
    (notes / "problemsolving_strategies_in_math.md").unlink()
    shutil.move(notes / "superconductors_and_their_potential_applications.md", notes / "moved.md")
    spy.patched.clear()
    quick, full = _both(vault, notes, NOW + 200)
    assert sorted(spy.patched) == ["3blue1brown.apkg", "allin.apkg", "the-dwarkesh-podcast.apkg"]
    assert quick.plan == full.plan and quick.plan.count("retired") > 0 and quick.plan.count("added") > 0
    _same_packages(quick, full, vault)
    dwarkesh = _imported(vault / "out" / "the-dwarkesh-podcast.apkg", vault / "d.anki2")
    assert "The Dwarkesh Podcast::Planning in AI models" in dwarkesh["decks"]

    (notes / "planning.md").unlink()  # the deck it made leaves the package with its last live card
    quick, full = _both(vault, notes, NOW + 300)
    _same_packages(quick, full, vault)


def test_a_deck_two_notes_share_is_put_together_from_both(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = vault / "notes"
    text = (notes / EDITED).read_text(encoding="utf-8")
    (notes / "twin.md").write_text(text.replace("Wo95ob_s_NI", "BBBBBBBBBBB"), encoding="utf-8")  # same title
    _both(vault, notes, NOW + 100)
    spy = Spy(monkeypatch)
    _reword(notes / "twin.md")
    quick, full = _both(vault, notes, NOW + 200)
    assert spy.patched == [] and spy.whole.count("the-dwarkesh-podcast.apkg") == 2
    assert quick.plan.count("changed") >= 1
    _same_packages(quick, full, vault)


def test_images_stay_in_a_package_updated_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = tmp_path / "notes" / "anatomy"
    notes.mkdir(parents=True)
    (notes / "heart.png").write_bytes(png(200, 30, 30))
    (notes / "lung.png").write_bytes(png(30, 30, 200))
    (notes / "heart.md").write_text(
        "#flashcards/heart\n\nWhat does the heart pump? :: blood ![[heart.png]]\n"
    )
    (notes / "lung.md").write_text("#flashcards/lung\n\nWhat do the lungs take in? :: air ![[lung.png]]\n")
    lock = tmp_path / "deckgen.lock"
    build([tmp_path / "notes"], tmp_path / "out", Config(), NOW, BuildOptions(lock=lock))
    spy = Spy(monkeypatch)
    (notes / "lung.md").write_text("#flashcards/lung\n\nWhat do the lungs take in? :: oxygen ![[lung.png]]\n")
    quick, full = _both(tmp_path, tmp_path / "notes", NOW + 100)
    assert spy.patched == [quick.outputs[0].name]
    _same_packages(quick, full, tmp_path)
    with zipfile.ZipFile(quick.outputs[0]) as z:
        kept = {z.read(m) for m in z.namelist() if m.isdigit()}
    assert kept == {png(200, 30, 30), png(30, 30, 200)}  # the settled note's image carried over


def test_a_package_changed_since_the_last_build_is_written_whole(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes, package = vault / "notes", vault / "out" / "the-dwarkesh-podcast.apkg"
    os.utime(package, ns=(0, 0))  # not the file the last build wrote: never patched
    spy = Spy(monkeypatch)
    _reword(notes / EDITED)
    quick, full = _both(vault, notes, NOW + 100)
    assert "the-dwarkesh-podcast.apkg" not in spy.patched and quick.plan.count("changed") >= 1
    _same_packages(quick, full, vault)


def test_a_package_that_cannot_be_read_stops_the_build_and_says_what_to_do(vault: Path) -> None:
    notes, package = vault / "notes", vault / "out" / "the-dwarkesh-podcast.apkg"
    before = os.stat(package)
    package.write_bytes(b"\0" * before.st_size)  # damaged on disk, size and time as written
    os.utime(package, ns=(before.st_atime_ns, before.st_mtime_ns))
    _reword(notes / EDITED)
    lock = vault / "deckgen.lock"
    index = lock.read_bytes()
    with pytest.raises(
        BuildError, match=r"the-dwarkesh-podcast\.apkg: cannot be updated in place .* delete it"
    ):
        build([notes], vault / "out", Config(), NOW + 100, BuildOptions(lock=lock))
    assert lock.read_bytes() == index  # nothing was put in place
    package.unlink()
    result = build([notes], vault / "out", Config(), NOW + 100, BuildOptions(lock=lock))
    assert package.is_file() and result.plan.count("changed") >= 1


def test_a_cloze_card_added_in_place_brings_its_note_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package held basic cards only; an edit adds the first cloze card: updated in place,
    it carries the cloze note type as a package written whole does, and loses it again when the
    last cloze card goes."""
    notes = tmp_path / "notes" / "biology"
    notes.mkdir(parents=True)
    (notes / "heart.md").write_text("#flashcards/heart\n\nWhat does the heart pump? :: blood\n")
    (notes / "cell.md").write_text("#flashcards/cell\n\nWhat makes ATP? :: the mitochondrion\n")
    build([tmp_path / "notes"], tmp_path / "out", Config(), NOW, BuildOptions(lock=tmp_path / "deckgen.lock"))
    spy = Spy(monkeypatch)
    (notes / "cell.md").write_text("#flashcards/cell\n\nThe ==mitochondrion== makes ATP.\n")
    quick, full = _both(tmp_path, tmp_path / "notes", NOW + 100)
    assert spy.patched == [quick.outputs[0].name]
    assert quick.kinds.get("cloze") == 1
    _same_packages(quick, full, tmp_path)
    assert "deckgen cloze" in _imported(quick.outputs[0], tmp_path / "c.anki2")["types"]
    (notes / "cell.md").write_text("#flashcards/cell\n\nWhat makes ATP? :: the mitochondrion\n")
    quick, full = _both(tmp_path, tmp_path / "notes", NOW + 200)
    _same_packages(quick, full, tmp_path)
