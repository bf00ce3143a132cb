"""Which files are notes: every `.md` under the input paths, less what the user excluded."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from ..config import bad_pattern, pattern_problem
from ..errors import BuildError, ConfigError

IGNORE_NAME = ".deckgenignore"
"""A file in an input folder listing, in gitignore syntax, what under it is not a note."""
ALWAYS_SKIPPED = ("node_modules/",)
"""Folders that hold a tool's files, never the learner's notes."""


@dataclass(frozen=True, slots=True)
class NoteFile:
    """A Markdown file found under an input path."""

    path: Path
    display: str
    """The path shown in messages: relative to the folder given on the command line."""
    folder: str


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


def find_notes(paths: Sequence[Path], exclude: Iterable[str] = ()) -> list[NoteFile]:
    """Every `.md` file under `paths`, sorted; hidden folders, symlinked folders and what
    `ignore_spec` names are skipped. A file given by name is always read."""
    found: list[NoteFile] = []
    for root in paths:
        if not root.is_dir() and os.path.lexists(root):  # a file, or a link or pipe read_note explains
            found.append(NoteFile(root, root.name, ""))
            continue
        if not root.is_dir():
            raise BuildError(f"{root}: no such file or folder — check the path")
        found += _walk(root, ignore_spec(root, exclude))
    return found


def _walk(root: Path, ignored: pathspec.GitIgnoreSpec) -> list[NoteFile]:
    found: list[NoteFile] = []
    for dirpath, dirnames, filenames in os.walk(root):  # followlinks=False: no loops
        rel = Path(dirpath).relative_to(root).as_posix()
        folder = "" if rel == "." else rel
        prefix = f"{folder}/" if folder else ""
        # pruned here, a folder's files are never listed (gitignore's rule too)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not ignored.match_file(f"{prefix}{d}/")
        )
        for name in sorted(filenames):
            display = f"{prefix}{name}"
            if name.endswith(".md") and not name.startswith(".") and not ignored.match_file(display):
                found.append(NoteFile(Path(dirpath) / name, display, folder))
    return found
