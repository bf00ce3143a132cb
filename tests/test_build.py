"""Whole builds: the sample notes, the in-repo vault, and the shared corpus (all four styles)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import CORPUS, SEEDS, VAULT, corpus
from deckgen.build import BuildOptions, BuildResult, build
from deckgen.build.discover import find_notes
from deckgen.build.readall import PARALLEL_FROM, read_notes
from deckgen.config import Config
from deckgen.notes.stamps import parse_time
from deckgen.rules import candidates

NOW = 1_750_000_000
_CODE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def test_seeds_build_one_package_per_source(tmp_path: Path) -> None:
    result = build([SEEDS], tmp_path, Config(), NOW)
    assert result.notes == len(find_notes([SEEDS])) and result.problems == ()
    assert sorted(p.name for p in result.outputs) == [
        "3blue1brown.apkg", "allin.apkg", "the-dwarkesh-podcast.apkg", "toptradersunplugged.apkg",
    ]  # fmt: skip
    assert all(p.stat().st_size > 0 for p in result.outputs)
    assert not list(tmp_path.glob(".*.tmp"))


def test_vault_is_large_enough_for_the_worker_pool() -> None:
    assert len(find_notes([VAULT])) >= PARALLEL_FROM


def test_parallel_read_gives_exactly_the_serial_result(tmp_path: Path) -> None:
    """The worker-pool path must not change a single card, problem or plan line."""
    one = build([VAULT], tmp_path / "a", Config(), NOW, BuildOptions(jobs=1, write=False))
    many = build([VAULT], tmp_path / "b", Config(), NOW, BuildOptions(jobs=2, write=False))
    assert one.notes == len(find_notes([VAULT])) and one.cards > one.notes
    assert one == many
    assert any(p.source.path.endswith(".md") for p in one.problems)  # the vault's broken timestamps


def test_parallel_build_of_the_vault_with_a_warm_cache_is_the_same(tmp_path: Path) -> None:
    cold = build([VAULT], tmp_path / "out", Config(), NOW, BuildOptions(jobs=2))
    warm = build([VAULT], tmp_path / "out", Config(), NOW, BuildOptions(jobs=2, every_card=True))
    assert len(list((tmp_path / "out" / ".deckgen-cache").glob("*/*.json"))) == cold.notes
    assert (warm.decks, warm.problems, warm.outputs) == (cold.decks, cold.problems, cold.outputs)


# The shared corpus: extra checks on real notes, one build shared by all (conftest.corpus_build).


def test_whole_corpus_builds_and_code_never_becomes_a_card(corpus_build: BuildResult) -> None:
    files = find_notes([CORPUS])
    unread = {p.source.path for p in corpus_build.problems if p.unread}
    assert corpus_build.notes == len(files) - len(unread) and corpus_build.cards > corpus_build.notes
    code = set()
    for f in files:
        for m in _CODE.finditer(f.path.read_text(encoding="utf-8", errors="replace")):
            code |= {line.strip() for line in m.group(0).splitlines()[1:-1] if len(line.strip()) > 30}
    assert code  # the corpus has fenced code to check against
    texts = [c.face.context for d in corpus_build.decks for c in d.cards]
    assert not any(
        line in text for text in texts for line in code if not line.startswith(("#", "```", "~~~"))
    )


def test_tubegraph_timestamps_reach_the_candidates_and_cards_link_only_them(
    corpus_build: BuildResult,
) -> None:
    """At least 95% of the tubegraph notes' distinct (videoId, time) pairs are on some candidate
    card (the ranker then keeps a focused few), and every card links only moments of its note."""
    files = find_notes([corpus("tubegraph")])
    notes, _ = read_notes(files)
    # Notes whose `H:MM:SS` stamps are really `MM:SS:00` (the reader says so) mean 1/60 of them.
    scale = {n.path: 60 if any("MM:SS:00" in p.message for p in n.problems) else 1 for n in notes}
    wanted: set[tuple[str, int]] = set()
    for f in files:
        text = _CODE.sub("", f.path.read_text(encoding="utf-8"))
        if not (m := re.search(r"^videoId:\s*['\"]?([\w-]{11})", text, re.M)):
            continue
        for value in re.findall(r'data-t="([^"]+)"', text) + re.findall(
            r"\[(\d{1,2}:\d{2}(?::\d{2})?)\]", text
        ):
            if (sec := parse_time(value.split("]")[0])) is not None:
                wanted.add((m.group(1), sec // scale.get(f.display, 1)))
    offered = {
        (note.video_id, t.seconds) for note in notes for c in candidates(note) for t in c.claim.timestamps
    }
    got = {
        (url.split("v=")[1].split("&")[0], int(url.rsplit("t=", 1)[1][:-1]))
        for d in corpus_build.decks for c in d.cards if c.note_path.startswith("tubegraph/")
        for url in (t.url for t in c.face.timestamps)
    }  # fmt: skip
    coverage = len(wanted & offered) / len(wanted)
    print(f"coverage {coverage:.3f} of {len(wanted)} pairs; {len(got)} on the cards kept")
    assert coverage >= 0.95
    assert got and got <= offered


def test_parallel_build_of_the_corpus_gives_the_serial_cards(
    corpus_build: BuildResult, tmp_path: Path
) -> None:
    serial = build([CORPUS], tmp_path, Config(), NOW, BuildOptions(jobs=1, write=False))
    assert serial.decks == corpus_build.decks and serial.plan == corpus_build.plan
    assert serial.problems == corpus_build.problems and serial.deck_count == corpus_build.deck_count


def test_cached_notes_give_the_same_cards_and_a_broken_entry_is_a_miss(tmp_path: Path) -> None:
    notes, out = tmp_path / "notes", tmp_path / "out"
    shutil.copytree(SEEDS, notes)
    fresh = build([notes], out, Config(), NOW, BuildOptions(every_card=True))
    entries = sorted((out / ".deckgen-cache").glob("*/*.json"))
    assert len(entries) == len(find_notes([notes]))
    entries[0].write_bytes(b"not a cache entry")
    cached = build([notes], out, Config(), NOW, BuildOptions(every_card=True))
    assert cached.decks == fresh.decks and cached.problems == fresh.problems
    note = notes / "reasoning_in_ai_models.md"
    note.write_text(
        note.read_text(encoding="utf-8").replace("Multimodal Generalization", "Multimodal Transfer")
    )
    edited = build([notes], out, Config(), NOW, BuildOptions(every_card=True))
    assert any("“Multimodal Transfer”?" in c.face.question for d in edited.decks for c in d.cards)
    assert len(list((out / ".deckgen-cache").glob("*/*.json"))) == len(entries)  # the old entry is pruned


def test_every_corpus_note_gives_cards_or_is_named_with_a_reason(corpus_build: BuildResult) -> None:
    """The build accounts for every note it read: it gave cards, or `empty` says why not."""
    giving = {c.note_path for d in corpus_build.decks for c in d.cards}
    named = dict(corpus_build.empty)
    assert len(named) == len(corpus_build.empty) and not giving & set(named)
    assert len(giving) + len(named) == corpus_build.notes
    assert all(named.values())
