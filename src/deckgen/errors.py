"""Typed errors. The library raises these and never prints; the CLI turns them into exit codes."""

from __future__ import annotations

from pathlib import Path


class DeckgenError(Exception):
    """Any problem deckgen reports to the user instead of a traceback."""


class NoteError(DeckgenError):
    """A note that cannot be read, with the place and what to do."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{path}:{line}: {message}")


class ConfigError(DeckgenError):
    """A bad `deckgen.yaml` or command-line option."""


class BuildError(DeckgenError):
    """A build that could not finish; earlier outputs are left as they were."""
