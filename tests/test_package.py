"""Package files: one naming rule, long names, clear write errors, packages of gone sources."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

from conftest import SEEDS
from deckgen.build import BuildOptions, build
from deckgen.config import Config
from deckgen.errors import BuildError
from deckgen.identity.retire import prune
from deckgen.write import package
from deckgen.write.filenames import MAX_FILE_SLUG, deck_slugs, file_slug

NOW = 1_750_000_000
LONG = "A very long source name " * 14  # 336 characters: over any file system's limit


def note_from(source: str, title: str = "Tides") -> str:
    return (
        f"---\ntitle: {title}\nvideoId: abcdefghijk\n---\n\nFrom: [[{source}]]\n\n"
        "*   **Spring tide:** The largest tidal range, at new and full moon "
        '<a class="yt-timestamp" data-t="00:01:00">[00:01:00]</a>.\n'
    )


@pytest.mark.parametrize(
    "name", ["über-ängste", "ML::Karpathy::Intro", "../../etc/passwd", "", "東京 talks", LONG, "Ａｂｃ ½"]
)
def test_file_slug_is_the_sheet_writers_rule(name: str) -> None:
    assert deck_slugs([name]) == (file_slug(name),)
    assert 0 < len(file_slug(name)) <= MAX_FILE_SLUG and "/" not in file_slug(name)


def test_file_slug_examples() -> None:
    assert file_slug("über-ängste") == "uber-angste"
    assert len(LONG) == 336 and file_slug(LONG) == ("a-very-long-source-name-" * 4)[:MAX_FILE_SLUG].strip("-")


def test_a_long_source_name_builds(tmp_path: Path) -> None:
    """Issue item 6: a 336-character source used to fail the whole build."""
    (tmp_path / "n.md").write_text(note_from(LONG), encoding="utf-8")
    (tmp_path / "u.md").write_text(note_from("über-ängste", "Angst"), encoding="utf-8")
    result = build([tmp_path], tmp_path / "out", Config(), NOW)
    assert sorted(p.name for p in result.outputs) == sorted([f"{file_slug(LONG)}.apkg", "uber-angste.apkg"])
    assert all(p.is_file() for p in result.outputs)


@pytest.mark.parametrize(
    ("code", "says", "advice"),
    [
        (errno.ENAMETOOLONG, "File name too long", "the name is longer than the file system allows"),
        (errno.EACCES, "Permission denied", "check the folder's permissions"),
        (errno.ENOSPC, "No space left on device", "check free space"),
    ],
)
def test_a_write_error_says_what_really_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, says: str, advice: str
) -> None:
    def fail(decks: object, path: Path, now: int, templates: object = None) -> None:
        raise OSError(code, says, str(path))  # the staged file beside the package

    monkeypatch.setattr(package, "write_package", fail)
    (tmp_path / "n.md").write_text(note_from("allin"), encoding="utf-8")
    with pytest.raises(BuildError) as err:
        build([tmp_path / "n.md"], tmp_path / "out", Config(), NOW)
    assert str(err.value).startswith(f"{tmp_path / 'out' / 'allin.apkg'}: cannot write ({says}) — {advice}")
    assert ("free space" in str(err.value)) == (code == errno.ENOSPC)


def test_packages_of_gone_sources_are_removed_and_nothing_else(tmp_path: Path) -> None:
    """Issue item 10: a package deckgen wrote for a source that is gone leaves `out`."""
    notes, out = tmp_path / "notes", tmp_path / "out"
    shutil.copytree(SEEDS, notes)
    first = build([notes], out, Config(), NOW)
    mine = out / "my-own-deck.apkg"
    mine.write_bytes(b"the learner's file")
    (notes / "superconductors_and_their_potential_applications.md").unlink()  # allin's only note
    second = build([notes], out, Config(), NOW + 10)
    assert second.removed == (out / "allin.apkg",) and not (out / "allin.apkg").exists()
    assert set(second.outputs) == set(first.outputs) - {out / "allin.apkg"}
    assert all(p.is_file() for p in second.outputs) and mine.read_bytes() == b"the learner's file"
    assert second.summary()["removed"] == [str(out / "allin.apkg")]


def test_retired_cards_keep_their_package_until_pruned(tmp_path: Path) -> None:
    notes, out, lock = tmp_path / "notes", tmp_path / "out", tmp_path / "deckgen.lock"
    shutil.copytree(SEEDS, notes)
    build([notes], out, Config(), NOW, BuildOptions(lock=lock))
    (notes / "superconductors_and_their_potential_applications.md").unlink()
    retired = build([notes], out, Config(), NOW + 10, BuildOptions(lock=lock))
    assert retired.removed == () and (out / "allin.apkg").is_file()  # it tells the learner what to delete
    assert prune(lock) > 0
    pruned = build([notes], out, Config(), NOW + 20, BuildOptions(lock=lock))
    assert pruned.removed == (out / "allin.apkg",)


def test_a_dry_run_removes_nothing(tmp_path: Path) -> None:
    notes, out = tmp_path / "notes", tmp_path / "out"
    shutil.copytree(SEEDS, notes)
    build([notes], out, Config(), NOW)
    (notes / "superconductors_and_their_potential_applications.md").unlink()
    dry = build([notes], out, Config(), NOW, BuildOptions(write=False))
    assert dry.removed == () and (out / "allin.apkg").is_file()
