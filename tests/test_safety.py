"""Nothing is lost on failure, and cards are safe to open."""

from __future__ import annotations

import errno
import importlib
import shutil
from pathlib import Path
from typing import Any

import filelock
import pytest

from anki_check import import_apkg, open_collection, render_problems
from conftest import REFERENCE, active_content
from deckgen.build import BuildOptions, build
from deckgen.cards.render import safe_html
from deckgen.config import Config
from deckgen.errors import BuildError

HOSTILE = """---
title: "Evil ::Title <script>alert(1)</script> ../../x"
videoId: "abc\\"><script>alert(2)</script>"
tags: ["<img src=x onerror=alert(3)>"]
---
From: [[evil | <b onclick=alert(4)>Source</b>]]

## Section <iframe src="https://evil.example"></iframe>

* **Term <script>alert(5)</script>:** A body with <img src=x onerror=alert(6)> and <a href="javascript:alert(7)">a link</a> <a class="yt-timestamp" data-t="00:01:00">[00:01:00]</a>.
* **Other:** Text with <style>body{display:none}</style> and <object data="x"></object> inside <a class="yt-timestamp" data-t="00:02:00">[00:02:00]</a>.
* **Spring <i onmouseover=alert(9)>tide</i>:** The largest tidal range <img src=x onerror=alert(10)>, at new and full moon <a class="yt-timestamp" data-t="00:02:30">[00:02:30]</a>.

A sentence with "quoted words" and <svg onload=alert(8)> markup in it <a class="yt-timestamp" data-t="00:03:00">[00:03:00]</a>.
"""
"""Hostile markup in every place a note can hold it; the last three paragraphs give real cards."""

EDIT = ("Multimodal Generalization", "Multimodal Transfer")
"""An edit of the reference note that changes one of its kept cards, so the next build writes."""

build_module = importlib.import_module("deckgen.build.run")  # the package exports a function of that name
package_module = importlib.import_module("deckgen.write.package")
apkg_module = importlib.import_module("deckgen.write.apkg")


def test_safe_html_keeps_only_the_allow_list() -> None:
    dirty = (
        '<div class="lead">x</div><span class="blank">_</span><img src=x onerror=alert(1)><script>y</script>'
    )
    assert safe_html(dirty) == '<div class="lead">x</div><span class="blank">_</span>'


def test_hostile_note_renders_no_active_content_in_anki(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "evil.md").write_text(HOSTILE, encoding="utf-8")
    result = build([tmp_path / "notes"], tmp_path / "out", Config(), 1_000)
    assert result.cards >= 3
    assert [p.parent for p in result.outputs] == [tmp_path / "out"]  # no path traversal
    assert any("is not a YouTube video ID" in str(p) for p in result.problems)
    col = open_collection(tmp_path / "c.anki2")
    import_apkg(col, result.outputs[0])
    assert render_problems(col) == []
    decks = [d.name for d in col.decks.all_names_and_ids()]
    assert "<b onclick=alert(4)>Source</b>::Evil :Title <script>alert(1)</script> ../../x" in decks
    cards = col.find_cards("")
    assert len(cards) == result.cards
    for cid in cards:
        card = col.get_card(cid)
        assert active_content("".join(card.note().fields)) == []
        model = col.models.get(card.note().mid)
        assert model is not None
        css = model["css"]
        rendered = (card.question() + card.answer()).replace(f"<style>{css}</style>", "")  # our own CSS
        assert "alert(" in rendered or "Other" in rendered  # the text is there, inert
        assert active_content(rendered) == [], rendered
    col.close()


@pytest.fixture
def built(tmp_path: Path) -> Path:
    shutil.copy(REFERENCE, tmp_path / "note.md")
    build(
        [tmp_path / "note.md"], tmp_path / "out", Config(), 100, BuildOptions(lock=tmp_path / "deckgen.lock")
    )
    return tmp_path


def snapshot_files(folder: Path) -> dict[str, bytes]:
    """Every output and the lock (the note cache is not an output: it may gain entries)."""
    files = (p for p in sorted(folder.rglob("*")) if p.is_file() and ".deckgen-cache" not in p.parts)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def test_failure_mid_write_leaves_old_outputs_and_lock(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = built / "note.md"
    note.write_text(note.read_text(encoding="utf-8").replace(*EDIT))
    before = snapshot_files(built)
    real = apkg_module._zip

    def half_then_fail(path: Path, *rest: Any) -> None:
        real(path, *rest)  # the package is written (whole or updated in place), then the build dies
        raise OSError(errno.EIO, "simulated crash")

    monkeypatch.setattr(apkg_module, "_zip", half_then_fail)
    with pytest.raises(
        BuildError, match=r"cannot write .*simulated crash.* the previous decks and lock are unchanged"
    ):
        build([note], built / "out", Config(), 200, BuildOptions(lock=built / "deckgen.lock"))
    assert snapshot_files(built) == {**before, "note.md": note.read_bytes()}
    assert not list(built.rglob("*.tmp"))


def test_full_disk_is_a_clear_error(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(built / "out"))

    monkeypatch.setattr(package_module, "write_package", no_space)
    note = built / "note.md"
    note.write_text(note.read_text(encoding="utf-8").replace(*EDIT))
    slow = BuildOptions(lock=built / "deckgen.lock", every_card=True)
    with pytest.raises(BuildError, match=r"out: cannot write \(No space left on device\) — check free space"):
        build([built / "note.md"], built / "out", Config(), 200, slow)


def test_second_build_into_the_same_folder_waits_then_refuses(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_module, "LOCK_WAIT", 0.2)
    before = snapshot_files(built / "out")
    slow = BuildOptions(lock=built / "deckgen.lock", every_card=True)
    other = filelock.FileLock(built / "out" / ".deckgen-build.lock")  # another deckgen is writing
    with other, pytest.raises(BuildError, match="another deckgen is writing here — wait for it to finish"):
        build([built / "note.md"], built / "out", Config(), 200, slow)
    assert snapshot_files(built / "out") == before
