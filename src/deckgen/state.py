"""What the last build saw, in `out/.deckgen-state.json`: a build whose inputs are all as they
were (same files with the same sizes and modification times, same lock, settings, templates
and deckgen version) has nothing to do and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .config import Config, template_path
from .files import atomic_write

STATE_NAME = ".deckgen-state.json"
VERSION = "0.1.0"


def _stat(path: Path) -> list[int]:
    try:
        st = path.stat()
    except OSError:
        return [-1, -1]
    return [st.st_size, st.st_mtime_ns]


def signature(notes: Sequence[Path], config: Config, lock: Path | None) -> str:
    """A digest of everything a build reads, by size and modification time (no file is read)."""
    templates = template_path("card.css", config.templates).parent
    inputs: dict[str, Any] = {
        "version": VERSION,
        "config": [config.deck, config.root, str(config.templates)],
        "notes": [[str(p), *_stat(p)] for p in notes],
        "lock": [str(lock), *_stat(lock)] if lock is not None else None,
        "templates": [[p.name, *_stat(p)] for p in sorted(templates.glob("*"))],
        "user_templates": [[p.name, *_stat(p)] for p in sorted(config.templates.glob("*"))]
        if config.templates
        else [],
    }
    return hashlib.sha256(json.dumps(inputs).encode("utf-8")).hexdigest()


def last_state(out: Path) -> dict[str, Any] | None:
    """What the last build into `out` remembered, if anything readable."""
    try:
        state = json.loads((out / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def unchanged_summary(out: Path, sig: str) -> dict[str, Any] | None:
    """The last build's state (`summary` and `problems`) when its signature is `sig` and its
    outputs are all still there."""
    state = last_state(out)
    if state is None or state.get("signature") != sig:
        return None
    summary = state.get("summary")
    outputs = summary.get("outputs") if isinstance(summary, dict) else None
    if not isinstance(outputs, list) or not all(Path(p).is_file() for p in outputs):
        return None
    return state


def save_state(out: Path, sig: str, summary: dict[str, Any], problems: list[list[Any]]) -> None:
    """Remember this build; written last, so a failed build never looks up to date."""
    state = {"signature": sig, "summary": summary, "problems": problems}
    atomic_write(out / STATE_NAME, json.dumps(state, indent=1, ensure_ascii=False).encode("utf-8"))
