"""`BuildOptions`: how one build runs, passed to `build()` as a single frozen value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Progress


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Everything about a build that is not its input, output folder, settings or clock."""

    lock: Path | None = None
    """The identity file (`deckgen.lock`); None builds as if for the first time and keeps no lock."""
    strict: bool = False
    """Fail on any problem, before anything is written."""
    write: bool = True
    """False for a dry run: return the plan and write nothing at all (not even the note cache)."""
    cache: bool = False
    """Without `write`: keep what reading found in the note cache all the same (`deckgen sheet`,
    which writes into the output folder anyway, and is then quick after one edited note)."""
    keep_going: bool = True
    """False: a note that cannot be read stops the build before anything is written."""
    jobs: int = 0
    """Worker processes for reading notes; 0 is one per core."""
    every_card: bool = False
    """The sink needs every card (`sheet` lays out every deck, `push` compares every card with
    the collection): the settled notes' cards come from the note cache. Otherwise a build
    returns at once when every input is as the last one saw it, and a package whose notes
    are all settled is not looked at."""
    progress: Progress | None = None
    """Told how far reading has got; None for silence."""


DEFAULTS = BuildOptions()
"""A build that writes, keeps no lock, and returns at once when nothing changed."""
