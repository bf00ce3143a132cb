"""Packaging: which decks go into which `.apkg`, and which packages must be written again."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from ..cards.faces import deck_part
from ..config import Config
from ..model import Card, Deck
from .apkg import note_type_text, write_package
from .filenames import file_slug


def group(cards: Iterable[Card]) -> tuple[Deck, ...]:
    """Cards → decks sorted by name, each deck's cards in reading order."""
    by_deck: dict[str, list[Card]] = {}
    for card in cards:
        by_deck.setdefault(card.deck, []).append(card)
    return tuple(Deck(name, tuple(cs)) for name, cs in sorted(by_deck.items()))


def package_name(deck: str, config: Config) -> str:
    """The `.apkg` file name a deck goes into: one per source (the first level under the root)."""
    skip = 1 if config.root else 0
    top = deck.split("::")[skip] if "::" in deck else deck
    return f"{file_slug(deck_part(top))}.apkg"


def package_files(decks: Sequence[Deck], out: Path, config: Config) -> dict[Path, list[Deck]]:
    """One `.apkg` per source (the first deck level under the root)."""
    packages: dict[Path, list[Deck]] = {}
    for deck in decks:
        packages.setdefault(out / package_name(deck.name, config), []).append(deck)
    return packages


def package_digest(decks: Sequence[Deck], config: Config) -> str:
    """What a package holds: when this is unchanged, the file on disk need not be written again."""
    h = hashlib.sha256(repr(note_type_text(config.templates)).encode())
    for deck in decks:
        h.update(deck.name.encode())
        for c in deck.cards:  # a card's mtime moves whenever its content changes
            h.update(f"{c.guid}\x1f{c.mtime}\x1f".encode())
    return h.hexdigest()


def stage_package(
    stage: Callable[[Path], Path], path: Path, decks: Sequence[Deck], now: int, config: Config,
    before: str | None,
) -> tuple[str, bool]:  # fmt: skip
    """Stage one package when its content differs from the last build's digest `before` (or
    the file is gone); returns its digest and whether it was staged."""
    digest = package_digest(decks, config)
    if before == digest and path.is_file():
        return digest, False
    try:
        write_package(list(decks), stage(path), now, config.templates)
    except OSError as exc:
        if Path(str(exc.filename or "")).name.startswith(f".{path.name}."):
            # name the package, not its temporary file
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    return digest, True


def remove_stale(out: Path, before: Mapping[str, str], written: Mapping[str, str]) -> list[Path]:
    """Delete the packages the last build wrote (`before`) that this one did not (`written`),
    so that a deck of a source that is gone cannot be imported by mistake. Only names deckgen
    recorded are touched: a file the learner put in `out` stays."""
    removed = []
    for name in sorted(set(before) - set(written)):
        path = out / name
        if name.endswith(".apkg") and path.name == name and path.is_file():
            path.unlink()
            removed.append(path)
    return removed
