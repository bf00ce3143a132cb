"""One build: a dry run (`diff`, `build --dry-run`) is the writing build's stages with a memory sink,
so it reports exactly what the build that follows does, and writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SEEDS
from deckgen.build import BuildOptions, BuildResult, build
from deckgen.config import Config

T1, T2 = 1_750_000_000, 1_750_000_100
DECK = Config(deck="{folder}::{title}")
"""Decks named after the note's folder: moving a note to another folder moves its cards."""
REASONING = "reasoning_in_ai_models.md"
FUTURE = "the_future_of_programming_and_ai_tools_like_github_copilot.md"
MATH = "problemsolving_strategies_in_math.md"
VOLATILITY = "importance_of_volatility_in_financial_markets.md"


def _vault(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    for i, note in enumerate(sorted(SEEDS.glob("*.md"))):
        (notes / f"shelf{i % 2}").mkdir(parents=True, exist_ok=True)
        shutil.copy(note, notes / f"shelf{i % 2}" / note.name)
    return notes


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _changes(notes: Path) -> None:
    """An edit, a deletion, a rename and a move between folders (a deck change)."""
    [reasoning] = notes.rglob(REASONING)
    text = reasoning.read_text(encoding="utf-8")
    assert "Multimodal Generalization" in text
    reasoning.write_text(text.replace("Multimodal Generalization", "Multimodal Transfer"), encoding="utf-8")
    [future] = notes.rglob(FUTURE)
    future.unlink()
    [math] = notes.rglob(MATH)
    math.rename(math.with_name("solving_maths_problems.md"))
    [volatility] = notes.rglob(VOLATILITY)
    other = "shelf1" if volatility.parent.name == "shelf0" else "shelf0"
    volatility.rename(notes / other / VOLATILITY)


def _same(dry: BuildResult, built: BuildResult) -> None:
    assert dry.plan == built.plan
    assert (dry.notes, dry.cards, dry.deck_count, dry.kinds) == (
        built.notes,
        built.cards,
        built.deck_count,
        built.kinds,
    )
    assert dry.empty == built.empty and dry.problems == built.problems
    assert dry.decks == built.decks and dry.retired == built.retired


def test_a_dry_run_reports_what_the_build_that_follows_does(tmp_path: Path) -> None:
    notes, out, lock = _vault(tmp_path), tmp_path / "out", tmp_path / "deckgen.lock"
    first = build([notes], out, DECK, T1, BuildOptions(lock=lock))
    _changes(notes)
    before = _snapshot(tmp_path)
    dry = build([notes], out, DECK, T2, BuildOptions(lock=lock, write=False))
    assert _snapshot(tmp_path) == before  # nothing written: not the lock, the packages or the cache
    built = build([notes], out, DECK, T2, BuildOptions(lock=lock))
    _same(dry, built)
    counts = built.plan.counts()
    assert counts["changed"] and counts["moved"] and counts["retired"], counts
    assert built.deck_count == first.deck_count - 1  # the deleted note's deck holds only retired cards
    assert built.retired and all(c.status == "retired" for c in built.retired)


def test_with_every_card_the_dry_run_and_the_build_give_every_deck(tmp_path: Path) -> None:
    """`sheet` and `push` need every card: the settled notes' cards come from the note cache."""
    notes, out, lock = _vault(tmp_path), tmp_path / "out", tmp_path / "deckgen.lock"
    first = build([notes], out, DECK, T1, BuildOptions(lock=lock))
    _changes(notes)
    dry = build([notes], out, DECK, T2, BuildOptions(lock=lock, write=False, every_card=True))
    built = build([notes], out, DECK, T2, BuildOptions(lock=lock, every_card=True))
    _same(dry, built)
    assert len(built.decks) == built.deck_count == first.deck_count - 1
    assert sum(len(d.cards) for d in built.decks) == built.cards


def test_an_unchanged_dry_run_settles_every_note_as_the_build_does(tmp_path: Path) -> None:
    notes, out, lock = _vault(tmp_path), tmp_path / "out", tmp_path / "deckgen.lock"
    first = build([notes], out, DECK, T1, BuildOptions(lock=lock))
    dry = build([notes], out, DECK, T2, BuildOptions(lock=lock, write=False))
    again = build([notes], out, DECK, T2, BuildOptions(lock=lock))
    assert dry.plan == again.plan and dry.plan.counts()["unchanged"] == first.cards
    assert dry.deck_count == again.deck_count == first.deck_count
