"""Packaging: which decks go into which `.apkg`, and which packages must be written again."""

from __future__ import annotations

import hashlib
import sqlite3
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..cards.faces import deck_part
from ..config import Config
from ..errors import BuildError
from ..files import stamp
from ..model import Card, Deck
from .apkg import CardRow, Package, note_type_text, write_package
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


_RING = 1 << 256


def _number(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest(), "big")


def _rows(decks: Sequence[Deck], now: int) -> list[CardRow]:
    """(deck, GUID, note mtime, due) of every card of `decks`, as a package holds them."""
    return [(d.name, c.guid, c.mtime or now, due) for d in decks for due, c in enumerate(d.cards)]


def package_digest(decks: Sequence[Deck], now: int, config: Config) -> str:
    """What a package holds: when this is unchanged, the file on disk need not be written again.
    A card's mtime moves whenever its content changes; the digest is a sum over the cards, so
    that a package updated in place (`patch_package`) moves it by the cards it replaced."""
    total = _number(note_type_text(config.templates)) + sum(_number(*row) for row in _rows(decks, now))
    return f"{total % _RING:064x}"


def _moved(digest: str, removed: Iterable[CardRow], added: Iterable[CardRow]) -> str:
    total = int(digest, 16) - sum(_number(*r) for r in removed) + sum(_number(*r) for r in added)
    return f"{total % _RING:064x}"


Staged = tuple[str, tuple[int, int] | None]
"""A package's digest, and its file's size and modification time when it was staged anew."""


def stage_package(
    stage: Callable[[Path], Path], path: Path, decks: Sequence[Deck], now: int, config: Config,
    before: str | None,
) -> Staged:  # fmt: skip
    """Stage one package when its content differs from the last build's digest `before` (or
    the file is gone)."""
    digest = package_digest(decks, now, config)
    if before == digest and path.is_file():
        return digest, None
    with _naming(path):
        staged = stage(path)
        write_package(list(decks), staged, now, config.templates)
    return digest, stamp(staged)


def patch_package(
    stage: Callable[[Path], Path], path: Path, touched: Collection[str], decks: Sequence[Deck], now: int,
    config: Config, before: str,
) -> Staged | None:  # fmt: skip
    """Stage the package at `path` (digest `before`) with the cards of the decks `touched`
    replaced by `decks` (each one of them): the other cards are neither rendered nor read
    again. None when no card is left (the package goes, as a build that finds no card for it
    leaves none)."""
    try:
        package = Package(path)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, sqlite3.Error) as exc:
        raise BuildError(
            f"{path}: cannot be updated in place ({str(exc)[:160]}) — delete it and build again"
        ) from None
    try:
        digest = _moved(before, package.rows(touched), _rows(decks, now))
        if digest == before:
            return before, None
        if not package.replace(touched, decks, now, config.templates):
            return None
        with _naming(path):
            staged = stage(path)
            package.write(staged, (c for d in decks for c in d.cards))
    finally:
        package.close()
    return digest, stamp(staged)


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    """An OSError names the package, not its temporary file."""
    try:
        yield
    except OSError as exc:
        if Path(str(exc.filename or "")).name.startswith(f".{path.name}."):
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise


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
