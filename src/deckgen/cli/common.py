"""What the commands share: the clock, settings, progress bars, running the build, and the one
place where deckgen's errors become messages and exit codes."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ..build import BuildOptions
from ..build import build as run_build
from ..errors import ConfigError, DeckgenError
from .output import document, say

if TYPE_CHECKING:  # each command imports the stages it runs: `--help` loads none of them
    from ..build import BuildResult
    from ..config import Config
    from ..model import Card, Progress
    from ..write.sheets import SheetRun


def now() -> int:
    """The build time; SOURCE_DATE_EPOCH makes builds reproducible."""
    return int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())


@contextmanager
def handle_errors(debug: bool, as_json: bool = False) -> Iterator[None]:
    """Turn deckgen's errors into messages and exit codes: 2 for bad usage, 1 for a failed build."""
    try:
        yield
    except BrokenPipeError:
        quiet_stdout()
        raise typer.Exit(0) from None
    except DeckgenError as exc:
        fail(str(exc), 2 if isinstance(exc, ConfigError) else 1, as_json)
    except (OSError, MemoryError) as exc:
        if debug:
            raise
        fail(f"{exc} (run with --debug for details)", 1, as_json)


def fail(message: str, code: int, as_json: bool) -> None:
    if as_json:
        say(json.dumps(document(None, error=message), indent=2, ensure_ascii=False))
    say(f"deckgen: {message}", err=True, fg="red")
    raise typer.Exit(code)


def quiet_stdout() -> None:
    """The reader left (`deckgen preview … | head`): send what is still buffered to /dev/null, so
    Python's last flush does not fail again (the recipe in Python's `signal` documentation)."""
    with contextlib.suppress(OSError, ValueError):  # a test runner's stdout has no file descriptor
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def load_settings(
    config: Path | None,
    paths: Sequence[Path] | None,
    *,
    verbose: bool = False,
    fetch_images: bool = False,
    **overrides: Any,
) -> Config:
    """The settings: the first `deckgen.yaml` of --config, the current folder and the vault's
    top (`find_settings`), and the options, over the Spaced Repetition plugin's own settings in
    the vault holding `paths`; `verbose` says which file was used; `fetch_images`
    (`--fetch-images`) downloads remote images for this run, else `deckgen.yaml` decides."""
    from ..config import find_settings, load_config

    notes = paths or [Path(".")]
    found = find_settings(config, notes)
    if verbose:
        say(f"settings: {found.path} ({found.why})" if found.path else f"settings: {found.why}", err=True)
    if fetch_images:
        overrides["remote_images"] = "download"
    return load_config(found.path, notes=notes, **overrides)


def progress_bar(label: str = "Reading notes", least: int = 50) -> tuple[Progress, Callable[[], None]]:
    """A progress bar on stderr for runs of at least `least` steps, on a terminal only."""
    bar: Any = None
    shown = 0

    def update(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None and total >= least and sys.stderr.isatty():
            bar = typer.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        if bar is not None:
            bar.update(done - shown)
            shown = done

    def close() -> None:
        if bar is not None:
            bar.__exit__(None, None, None)

    return update, close


def run_with_progress(
    paths: list[Path] | None, out: Path, cfg: Config, lock: Path | None, *, strict: bool = False,
    write: bool, every_card: bool = False, cache: bool = False,
) -> BuildResult:  # fmt: skip
    update, close = progress_bar()
    try:
        options = BuildOptions(
            lock=lock, strict=strict, write=write, every_card=every_card, progress=update, cache=cache
        )
        return run_build(paths or [Path(".")], out, cfg, now(), options)
    finally:
        close()


@dataclass(frozen=True, slots=True)
class SheetOptions:
    """How `deckgen sheet` lays out its sheets."""

    paper: str = "a4"
    columns: int = 1
    layout: str = "fold"
    qr: bool = True
    formats: tuple[str, ...] = ("html", "pdf")


def write_sheets_of(
    result: BuildResult, out: Path, cfg: Config, o: SheetOptions = SheetOptions(), *, quiet: bool = False
) -> SheetRun:
    from ..config import template_path
    from ..files import mark_output
    from ..write.sheet import SHEET_DIR, SheetSettings, check_options
    from ..write.sheets import write_all

    # The user's folder first: any template it lacks comes from the built-in ones.
    folders = (*([cfg.templates] if cfg.templates else []), template_path("sheet.html.j2").parent)
    check_options(o.paper, o.columns, o.layout, o.formats)
    built = datetime.datetime.fromtimestamp(now(), datetime.timezone.utc).date()
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(now()))  # reproducible PDFs
    settings = SheetSettings(folders, built.isoformat(), o.paper, o.columns, o.layout, o.qr, o.formats)  # type: ignore[arg-type]
    update, close = progress_bar("Writing sheets", least=1) if not quiet else (None, lambda: None)
    try:
        run = write_all(result.decks, out, settings, progress=update)
    finally:
        close()
    if run.paths:  # a Markdown sheet is never read back as a note, whatever --out the next run has
        mark_output(out / SHEET_DIR)
    return run


PREVIEW = BuildOptions(write=False, jobs=1, every_card=True)
"""`preview` runs the build's stages on one note, in memory."""


def in_reading_order(result: BuildResult) -> list[Card]:
    """The cards of a one-note build in the order the note's ranking kept them."""
    order = {claim.key: i for nc in result.claims for i, (claim, _) in enumerate(nc.kept)}
    return sorted((c for d in result.decks for c in d.cards), key=lambda c: order.get(c.key, len(order)))


def note_place(note: Path, base: Path) -> tuple[str, str]:
    """(display path, folder) that `deckgen build BASE` gives `note`; a note outside BASE is
    read as a file given on its own (no folder), as build reads one."""
    try:
        rel = Path(os.path.abspath(note)).relative_to(os.path.abspath(base))
    except ValueError:
        return note.name, ""
    folder = rel.parent.as_posix()
    return rel.as_posix(), "" if folder == "." else folder
