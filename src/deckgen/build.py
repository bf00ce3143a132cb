"""`build()`: gather and check every note first, then write. mkdocs' build is the model."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cards import deck_part, make_card
from .config import Config
from .errors import BuildError, NoteError
from .extract import extract
from .model import Card, Deck, Note, Problem, SourceRef
from .notes import read_note
from .text import slug
from .write_apkg import write_package

Progress = Callable[[int, int], None]
"""Called with (notes done, notes in all) while reading."""


@dataclass(frozen=True, slots=True)
class NoteFile:
    """A Markdown file found under an input path."""

    path: Path
    display: str
    """The path shown in messages: relative to the folder given on the command line."""
    folder: str


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build read and wrote."""

    notes: int
    decks: tuple[Deck, ...]
    problems: tuple[Problem, ...]
    outputs: tuple[Path, ...] = ()
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def cards(self) -> int:
        """How many cards all decks hold."""
        return sum(len(d.cards) for d in self.decks)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "notes": self.notes, "cards": self.cards, "decks": len(self.decks),
            "kinds": self.kinds, "warnings": [str(p) for p in self.problems],
            "outputs": [str(p) for p in self.outputs],
        }  # fmt: skip


def find_notes(paths: Sequence[Path]) -> list[NoteFile]:
    """Every `.md` file under `paths`, sorted; hidden folders and symlinked folders skipped."""
    found: list[NoteFile] = []
    for root in paths:
        if root.is_file():
            found.append(NoteFile(root, root.name, ""))
            continue
        if not root.is_dir():
            raise BuildError(f"{root}: no such file or folder — check the path")
        for dirpath, dirnames, filenames in os.walk(root):  # followlinks=False: no loops
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel = Path(dirpath).relative_to(root).as_posix()
            folder = "" if rel == "." else rel
            for name in sorted(filenames):
                if name.endswith(".md") and not name.startswith("."):
                    display = f"{folder}/{name}" if folder else name
                    found.append(NoteFile(Path(dirpath) / name, display, folder))
    return found


def read_notes(
    files: Sequence[NoteFile], progress: Progress | None = None
) -> tuple[list[Note], list[Problem]]:
    """Parse every file; a note that cannot be read becomes a problem, the others go on."""
    notes: list[Note] = []
    problems: list[Problem] = []
    for i, f in enumerate(files):
        try:
            note = read_note(f.path, f.display, f.folder)
        except NoteError as exc:
            problems.append(Problem(SourceRef(exc.path, exc.line), exc.message))
        else:
            notes.append(note)
            problems.extend(note.problems)
        if progress:
            progress(i + 1, len(files))
    return notes, problems


def make_cards(notes: Iterable[Note], config: Config) -> tuple[list[Card], list[Problem]]:
    """Every note's claims as cards, in reading order; a GUID seen twice is kept once."""
    cards: list[Card] = []
    problems: list[Problem] = []
    seen: dict[str, Card] = {}
    for note in notes:
        for claim in extract(note):
            card = make_card(note, claim, config)
            if (first := seen.get(card.guid)) is not None:
                problems.append(
                    Problem(
                        claim.source,
                        f"same card as {first.claim.source} — is this note a copy? Give it its own title",
                    )
                )
                continue
            seen[card.guid] = card
            cards.append(card)
    return cards, problems


def group(cards: Iterable[Card]) -> tuple[Deck, ...]:
    """Cards → decks sorted by name, each deck's cards in reading order."""
    by_deck: dict[str, list[Card]] = {}
    for card in cards:
        by_deck.setdefault(card.deck, []).append(card)
    return tuple(Deck(name, tuple(cs)) for name, cs in sorted(by_deck.items()))


def package_files(decks: Sequence[Deck], out: Path, config: Config) -> dict[Path, list[Deck]]:
    """One `.apkg` per source (the first deck level under the root deck)."""
    skip = 1 if config.root else 0
    packages: dict[Path, list[Deck]] = {}
    for deck in decks:
        top = deck.name.split("::")[skip] if "::" in deck.name else deck.name
        packages.setdefault(out / f"{slug(deck_part(top), '-') or 'deck'}.apkg", []).append(deck)
    return packages


def build(
    paths: Sequence[Path], out: Path, config: Config, now: int, *,
    strict: bool = False, write: bool = True, progress: Progress | None = None,
) -> BuildResult:  # fmt: skip
    """Read every note under `paths`, make cards and decks, then write one `.apkg` per source."""
    files = find_notes(paths)
    if not files:
        raise BuildError(f"no .md notes under {', '.join(map(str, paths))} — point deckgen at your notes")
    notes, problems = read_notes(files, progress)
    cards, card_problems = make_cards(notes, config)
    problems += card_problems
    decks = group(cards)
    kinds: dict[str, int] = dict(sorted(Counter(c.claim.kind for c in cards).items()))
    if strict and problems:
        raise BuildError(f"{len(problems)} problem(s) and --strict is on:\n" + "\n".join(map(str, problems)))
    outputs: list[Path] = []
    if write:
        for path, group_decks in package_files(decks, out, config).items():
            outputs.append(write_package(group_decks, path, now, config.templates))
    return BuildResult(len(notes), decks, tuple(problems), tuple(outputs), kinds)
