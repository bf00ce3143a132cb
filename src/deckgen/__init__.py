"""deckgen: turn Markdown study notes into Anki decks sorted by topic, with timestamp links.

The library API: `build()` runs the whole pipeline (`BuildOptions` picks the sink: files and the lock,
or memory for a dry run); `read_note` and `candidates` are its first stages.
"""

from .build import BuildOptions, BuildResult, build
from .config import Config, load_config
from .errors import BuildError, ConfigError, DeckgenError, NoteError
from .notes import read_note
from .rules import candidates

__all__ = [
    "BuildError", "BuildOptions", "BuildResult", "Config", "ConfigError", "DeckgenError", "NoteError",
    "build", "candidates", "load_config", "read_note",
]  # fmt: skip
__version__ = "0.1.0"
