"""Which files are notes: every `.md` under the input paths, less what the user excluded."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from ..config import bad_pattern, pattern_problem
from ..errors import BuildError, ConfigError
from ..files import OUTPUT_MARK, TURN_FILE
from ..shown import printable

IGNORE_NAME = ".deckgenignore"
"""A file in an input folder listing, in gitignore syntax, what under it is not a note."""
ALWAYS_SKIPPED = ("node_modules/",)
"""Folders that hold a tool's files, never the learner's notes (hidden ones, such as Obsidian's
`.obsidian/` and `.trash/`, are skipped too)."""
WRITTEN_MARKS = (OUTPUT_MARK, TURN_FILE)
"""A folder holding one of these is deckgen's own (an output folder, its sheets, a lock's
folder): what deckgen wrote is never read back as notes."""


@dataclass(frozen=True, slots=True)
class NoteFile:
    """A Markdown file found under an input path."""

    file: str
    """Its path as a string (a vault's worth of `Path` objects costs a tenth of a second)."""
    display: str
    """The note's path relative to the folder given on the command line, as written."""
    folder: str
    shown: str = field(init=False, compare=False)
    """The path shown in messages, cards and the lock: `display` with control and invisible
    characters written out (`shown.printable`), as the note read from it names itself."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "shown", printable(self.display))

    @property
    def path(self) -> Path:
        """Its path."""
        return Path(self.file)


def ignore_spec(root: Path, exclude: Iterable[str] = ()) -> pathspec.GitIgnoreSpec:
    """The patterns that leave files under `root` out: `ALWAYS_SKIPPED`, the config's
    `exclude` list and the root's `.deckgenignore`, all in gitignore syntax."""
    given = [*ALWAYS_SKIPPED, *exclude]
    own: list[str] = []
    try:
        own = (root / IGNORE_NAME).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{root / IGNORE_NAME}: cannot read it ({exc}) — fix or remove it") from None
    try:
        return pathspec.GitIgnoreSpec.from_lines([*given, *own])
    except ValueError:
        if (at := bad_pattern(own)) is not None:
            raise ConfigError(f"{root / IGNORE_NAME}:{at + 1}: {pattern_problem(own[at])}") from None
        bad = given[bad_pattern(given) or 0]  # deckgen.yaml's `exclude` is checked in config.py
        raise ConfigError(f"exclude: {pattern_problem(bad)}") from None


def find_notes(
    paths: Sequence[Path], exclude: Iterable[str] = (), skip: Iterable[Path] = ()
) -> list[NoteFile]:
    """Every `.md` file under `paths`, sorted; hidden folders, symlinked folders, what
    `ignore_spec` names, the folders in `skip` (this build's output and lock folders) and
    folders deckgen marked as its own are skipped. A file or folder given by name is always read."""
    own = {os.path.abspath(p) for p in skip}
    found: list[NoteFile] = []
    for root in paths:
        if not root.is_dir() and os.path.lexists(root):  # a file, or a link or pipe read_note explains
            found.append(NoteFile(str(root), root.name, ""))
            continue
        if not root.is_dir():
            raise BuildError(f"{root}: no such file or folder — check the path")
        found += _walk(root, ignore_spec(root, exclude), own)
    return found


def _walk(root: Path, ignored: pathspec.GitIgnoreSpec, own: set[str]) -> list[NoteFile]:
    found: list[NoteFile] = []
    # Patterns that name folders only (`node_modules/`, the default) cannot leave out a file
    # of a folder they kept: then files are not matched one by one (a vault's worth adds up).
    files_too = any(
        p.include is not None and not str(getattr(p, "pattern", "")).rstrip().endswith("/")
        for p in ignored.patterns
    )
    for dirpath, dirnames, filenames in os.walk(root):  # followlinks=False: no loops
        rel = Path(dirpath).relative_to(root).as_posix()
        folder = "" if rel == "." else rel
        if folder and (os.path.abspath(dirpath) in own or any(m in filenames for m in WRITTEN_MARKS)):
            dirnames.clear()  # deckgen's own output: never read back as notes
            continue
        prefix = f"{folder}/" if folder else ""
        # pruned here, a folder's files are never listed (gitignore's rule too)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not ignored.match_file(f"{prefix}{d}/")
        )
        for name in sorted(filenames):
            display = f"{prefix}{name}"
            if (
                name.endswith(".md")
                and not name.startswith(".")
                and not (files_too and ignored.match_file(display))
            ):
                found.append(NoteFile(f"{dirpath}{os.sep}{name}", display, folder))
    return found
