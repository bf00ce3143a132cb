"""Whole builds: the sample notes, the shared corpus (all four styles) and the tubegraph notes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import SEEDS, corpus
from deckgen.build import build, find_notes, make_cards, read_notes
from deckgen.config import Config
from deckgen.errors import BuildError
from deckgen.notes import parse_time

NOW = 1_750_000_000
_CODE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def test_seeds_build_one_package_per_source(tmp_path: Path) -> None:
    result = build([SEEDS], tmp_path, Config(), NOW)
    assert result.notes == 5 and result.problems == ()
    assert sorted(p.name for p in result.outputs) == [
        "3blue1brown.apkg", "allin.apkg", "the-dwarkesh-podcast.apkg", "toptradersunplugged.apkg",
    ]  # fmt: skip
    assert all(p.stat().st_size > 0 for p in result.outputs)
    assert not list(tmp_path.glob(".*.tmp"))


def test_no_notes_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"no \.md notes under"):
        build([tmp_path], tmp_path / "out", Config(), NOW)


def test_strict_fails_on_warnings_before_writing(tmp_path: Path) -> None:
    (tmp_path / "n.md").write_text('Text here <a class="yt-timestamp" data-t="99:99">[x]</a>.\n')
    with pytest.raises(BuildError, match=r"1 problem\(s\) and --strict is on:\nn.md:1: malformed"):
        build([tmp_path], tmp_path / "out", Config(), NOW, strict=True)
    assert (
        not list((tmp_path / "out").glob("*.apkg"))
        and not (tmp_path / "out" / ".deckgen-state.json").exists()
    )


def test_whole_corpus_builds_and_code_never_becomes_a_card(tmp_path: Path) -> None:
    root = corpus()
    result = build([root], tmp_path, Config(), NOW, write=False)
    assert result.notes >= 400 and result.cards > 5000
    code = set()
    for f in find_notes([root]):
        for m in _CODE.finditer(f.path.read_text(encoding="utf-8", errors="replace")):
            code |= {line.strip() for line in m.group(0).splitlines()[1:-1] if len(line.strip()) > 30}
    assert len(code) > 100  # the corpus has plenty of fenced code to check against
    texts = [c.face.context for d in result.decks for c in d.cards]
    assert not any(
        line in text for text in texts for line in code if not line.startswith(("#", "```", "~~~"))
    )


def test_tubegraph_timestamps_reach_the_cards() -> None:
    """At least 95% of the corpus's distinct (videoId, time) pairs are on some card."""
    files = find_notes([corpus("tubegraph")])
    wanted: set[tuple[str, int]] = set()
    for f in files:
        text = _CODE.sub("", f.path.read_text(encoding="utf-8"))
        if not (m := re.search(r"^videoId:\s*['\"]?([\w-]{11})", text, re.M)):
            continue
        for value in re.findall(r'data-t="([^"]+)"', text) + re.findall(
            r"\[(\d{1,2}:\d{2}(?::\d{2})?)\]", text
        ):
            if (sec := parse_time(value.split("]")[0])) is not None:
                wanted.add((m.group(1), sec))
    notes, problems = read_notes(files)
    cards, _ = make_cards(notes, Config())
    got = {
        (url.split("v=")[1].split("&")[0], int(url.rsplit("t=", 1)[1][:-1]))
        for c in cards for url in (t.url for t in c.face.timestamps)
    }  # fmt: skip
    coverage = len(wanted & got) / len(wanted)
    warned = sorted({p.source.path for p in problems})
    print(f"coverage {coverage:.3f} of {len(wanted)} pairs; notes with warnings: {warned}")
    assert len(files) >= 300 and coverage >= 0.95


def test_parallel_build_gives_the_same_cards_as_one_process(tmp_path: Path) -> None:
    """The optimised path (worker processes) must not change a single card."""
    tubegraph = corpus("tubegraph")
    one = build([tubegraph], tmp_path / "a", Config(), NOW, jobs=1, write=False)
    many = build([tubegraph], tmp_path / "b", Config(), NOW, jobs=2, write=False)
    assert one.cards > 10_000
    assert one.decks == many.decks and one.problems == many.problems and one.plan == many.plan


def test_unchanged_inputs_skip_the_build_and_only_changed_packages_are_rewritten(tmp_path: Path) -> None:
    notes, out, lock = tmp_path / "notes", tmp_path / "out", tmp_path / "deckgen.lock"
    shutil.copytree(SEEDS, notes)
    first = build([notes], out, Config(), NOW, lock=lock)
    stamps = {p.name: p.stat().st_mtime_ns for p in first.outputs}
    again = build([notes], out, Config(), NOW + 10, lock=lock)
    assert again.skipped and again.cards == first.cards and again.outputs == first.outputs
    assert again.plan.counts()["unchanged"] == first.cards
    assert {p.name: p.stat().st_mtime_ns for p in again.outputs} == stamps
    note = notes / "superconductors_and_their_potential_applications.md"
    note.write_text(note.read_text(encoding="utf-8").replace("no resistance", "zero resistance"))
    edited = build([notes], out, Config(), NOW + 20, lock=lock)
    assert not edited.skipped and edited.plan.count("changed") >= 1
    rewritten = {p.name for p in edited.outputs if p.stat().st_mtime_ns != stamps[p.name]}
    assert rewritten == {"allin.apkg"}
    assert build([notes], out, Config(root="Talks"), NOW + 30, lock=lock).skipped is False  # settings count


def test_cached_notes_give_the_same_cards_and_a_broken_entry_is_a_miss(tmp_path: Path) -> None:
    notes, out = tmp_path / "notes", tmp_path / "out"
    shutil.copytree(SEEDS, notes)
    fresh = build([notes], out, Config(), NOW, write=False)
    entries = sorted((out / ".deckgen-cache").rglob("*.pickle"))
    assert len(entries) == 5
    entries[0].write_bytes(b"not a pickle")
    cached = build([notes], out, Config(), NOW, write=False)
    assert cached.decks == fresh.decks and cached.problems == fresh.problems
    note = notes / "reasoning_in_ai_models.md"
    note.write_text(note.read_text(encoding="utf-8").replace("Long-term Coherence", "Coherence"))
    edited = build([notes], out, Config(), NOW, write=False)
    assert any("Coherence”?" in c.face.question for d in edited.decks for c in d.cards)
    assert len(list((out / ".deckgen-cache").rglob("*.pickle"))) == 5  # the old entry is pruned
