"""The note cache is data only: JSON read back against the types it holds; a planted or
malformed entry is a miss and runs nothing (issue 22, item 11)."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import TESTS, VAULT
from deckgen.build import BuildOptions, BuildResult, build, cache
from deckgen.build.discover import find_notes
from deckgen.build.readall import NoteResult
from deckgen.cards.claims import note_claims
from deckgen.codec import decoder, encode
from deckgen.config import Config
from deckgen.model import Note, Problem, SourceRef
from deckgen.notes import read_note
from deckgen.notes.media import image_problems

NOW = 1_800_000_000
EXPLICIT = TESTS / "fixtures" / "explicit"


def _round_trip(value: Any, kind: Any) -> Any:
    return decoder(kind)(json.loads(json.dumps(encode(value), ensure_ascii=False)))


def _results(folder: Path) -> list[NoteResult]:
    out: list[NoteResult] = []
    for f in find_notes([folder]):
        note = read_note(f.path, f.display, f.folder)
        claims = note_claims(note, Config())
        out.append((claims, [*note.problems, *image_problems(claims.note, (c for c, _ in claims.kept))]))
    return out


@pytest.mark.parametrize("folder", [VAULT, EXPLICIT, TESTS / "fixtures" / "twins"], ids=lambda p: p.name)
def test_every_cached_result_of_the_fixtures_round_trips(folder: Path) -> None:
    results = _results(folder)
    assert results
    if folder == VAULT:
        assert any(problems for _, problems in results)  # its broken timestamps
    for result in [*results, (None, [Problem(SourceRef("x.md", 3), "unreadable", unread=True)])]:
        assert _round_trip(result, NoteResult) == result


def test_a_whole_note_with_blocks_and_hand_written_cards_round_trips() -> None:
    """The cache holds notes without their blocks; the codec reads any field of a Note."""
    for f in find_notes([EXPLICIT]):
        note = read_note(f.path, f.display, f.folder)
        assert _round_trip(note, Note) == note
    assert any(read_note(f.path, f.display, f.folder).explicit for f in find_notes([EXPLICIT]))


def test_every_cached_result_of_the_corpus_round_trips(corpus_build: BuildResult) -> None:
    for claims in corpus_build.claims:
        assert _round_trip(claims, type(claims)) == claims
    problems = list(corpus_build.problems)
    assert _round_trip((None, problems), NoteResult) == (None, problems)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'[null, [["x.md", 3], "m", false]]',  # a Problem is [SourceRef, message, unread]
        b'[null, [[["x.md", "3"], "m", false]]]',  # a line that is not a number
        b'[null, [[["x.md", 3], "m", 0]]]',  # a flag that is not a boolean
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_a_malformed_entry_is_a_miss(tmp_path: Path, data: bytes) -> None:
    cache.store(tmp_path, "ab" + "0" * 62, (None, []))
    [entry] = tmp_path.glob("*/*.json")
    assert cache.load(tmp_path, "ab" + "0" * 62, NoteResult) == (None, [])
    entry.write_bytes(data)
    assert cache.load(tmp_path, "ab" + "0" * 62, NoteResult) is None


class _Planted:
    """A pickle that, loaded, creates a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def test_a_planted_cache_entry_runs_nothing(tmp_path: Path) -> None:
    """Whoever can write `out/` (a shared vault that commits it) can plant entries at keys
    anyone can compute: they are data, and what does not fit is read from the note again."""
    notes = tmp_path / "notes"
    shutil.copytree(EXPLICIT, notes)
    first = build([notes], tmp_path / "out", Config(), NOW, BuildOptions())
    entries = [p for p in (tmp_path / "out" / cache.CACHE_NAME).glob("*/*") if p.is_file()]
    assert len(entries) == first.notes
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Planted(marker))
    for entry in entries:
        for name in (entry, entry.with_suffix(".pickle"), entry.with_suffix(".json")):
            name.write_bytes(payload)
    again = build([notes], tmp_path / "out", Config(), NOW, BuildOptions(every_card=True))
    assert not marker.exists()
    assert (again.decks, again.problems) == (first.decks, first.problems)
