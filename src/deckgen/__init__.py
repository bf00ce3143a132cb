"""deckgen: turn Markdown study notes into Anki decks sorted by topic, with timestamp links.

The library API: `build()` runs the whole pipeline (`BuildOptions` picks the sink: files and the lock,
or memory for a dry run); `read_note` and `candidates` are its first stages.

The names are imported when first used (PEP 562), so that `import deckgen` and the command's
`--help` do not load the whole pipeline. `build` alone is bound at once: it is also the name of
the subpackage `deckgen.build`, which Python binds here when it is first imported, and a lazy
name would then never be looked up (`deckgen.build` would stay the module).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .build import BuildOptions, build
from .errors import BuildError, ConfigError, DeckgenError, NoteError

if TYPE_CHECKING:
    from .build import BuildResult
    from .config import Config, load_config
    from .notes import read_note
    from .rules import candidates

__all__ = [
    "BuildError", "BuildOptions", "BuildResult", "Config", "ConfigError", "DeckgenError", "NoteError",
    "build", "candidates", "load_config", "read_note",
]  # fmt: skip
__version__ = "0.1.0"

_LAZY = {
    "BuildResult": ".build",
    "Config": ".config",
    "load_config": ".config",
    "read_note": ".notes",
    "candidates": ".rules",
}
"""Where each name that is imported on first use lives."""


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
