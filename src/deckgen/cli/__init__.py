"""The `deckgen` command: typer commands over the library (`commands.py`, `options.py`), what they
share (`common.py`) and what they print (`output.py`)."""

from .commands import app

__all__ = ["app"]
