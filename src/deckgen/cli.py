"""The `deckgen` command: a thin typer layer over the library; the one place errors become exit codes."""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import __version__
from .build import BuildOptions, BuildResult, Progress, make_cards
from .build import build as run_build
from .build import prune as run_prune
from .cli_output import JSON_HELP, card_json, document, report, say, show_rebuild, warn, why_lines
from .config import Config, load_config, template_path
from .empty import empty_reason
from .errors import BuildError, ConfigError, DeckgenError
from .notes import read_note
from .readall import explain
from .watch import watch as run_watch

if TYPE_CHECKING:
    from .sheets import SheetRun

app = typer.Typer(
    help="Turn Markdown study notes into Anki decks sorted by topic, with timestamp links.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags shown as flags, no boxes when piped
)

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Note files or folders (every .md below them). Default: the current folder."),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for the generated files.")]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Settings file. Default: ./deckgen.yaml if present.")
]
DeckOpt = Annotated[
    str | None,
    typer.Option("--deck", help="Deck name template: {source}, {title}, {folder}; '::' nests decks."),
]
CardsOpt = Annotated[
    str | None,
    typer.Option(
        "--cards", help="focused: each note keeps its best cards (default); all: every card not rejected."
    ),
]
CapOpt = Annotated[int | None, typer.Option("--cap", help="The most cards one note gives when focused (15).")]
RootOpt = Annotated[str | None, typer.Option("--root", help="Parent deck for all decks, e.g. 'Talks'.")]
TemplatesOpt = Annotated[
    Path | None, typer.Option("--templates", help="Folder with templates that override the built-in ones.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on any warning.")]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Name every note that gave no cards, not only the first 5.")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the Python traceback of an unexpected error.")]
LockOpt = Annotated[
    Path,
    typer.Option(
        "--lock", help="Identity file that keeps cards' GUIDs across edits; commit it with your notes."
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show the plan (added, changed, …) and write nothing.")
]
SheetsOpt = Annotated[bool, typer.Option("--sheets", help="Also write study sheets (see `deckgen sheet`).")]
PaperOpt = Annotated[str, typer.Option("--paper", help="Sheet paper size: a4 or letter.")]
ColumnsOpt = Annotated[int, typer.Option("--columns", help="Columns for the questions (1-4; 'key' layout).")]
LayoutOpt = Annotated[
    str, typer.Option("--layout", help="fold: answers beside questions; key: questions, then an answer key.")
]
QrOpt = Annotated[bool, typer.Option("--qr/--no-qr", help="Print a QR code that opens the video moment.")]
FormatOpt = Annotated[str, typer.Option("--format", help="Sheet formats, comma-separated: html, pdf, md.")]
BaseOpt = Annotated[
    Path,
    typer.Option(
        "--base",
        help="The folder you build from: the note's sub-folders below it give {folder} as in a build.",
    ),
]


ANKICONNECT = "http://127.0.0.1:8765"
"""Where the AnkiConnect add-on listens unless told otherwise."""


def _show_version(value: bool) -> None:
    if value:
        say(f"deckgen {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Turn Markdown study notes into Anki decks sorted by topic, with timestamp links."""


def _now() -> int:
    """The build time; SOURCE_DATE_EPOCH makes builds reproducible."""
    return int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())


@contextmanager
def _errors(debug: bool, as_json: bool = False) -> Iterator[None]:
    """Turn deckgen's errors into messages and exit codes: 2 for bad usage, 1 for a failed build."""
    try:
        yield
    except BrokenPipeError:
        _quiet_stdout()
        raise typer.Exit(0) from None
    except DeckgenError as exc:
        _fail(str(exc), 2 if isinstance(exc, ConfigError) else 1, as_json)
    except (OSError, MemoryError) as exc:
        if debug:
            raise
        _fail(f"{exc} (run with --debug for details)", 1, as_json)


def _fail(message: str, code: int, as_json: bool) -> None:
    if as_json:
        say(json.dumps(document(None, error=message), indent=2, ensure_ascii=False))
    say(f"deckgen: {message}", err=True, fg="red")
    raise typer.Exit(code)


def _quiet_stdout() -> None:
    """The reader left (`deckgen preview … | head`): send what is still buffered to /dev/null, so
    Python's last flush does not fail again (the recipe in Python's `signal` documentation)."""
    with contextlib.suppress(OSError, ValueError):  # a test runner's stdout has no file descriptor
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _config(config: Path | None, paths: Sequence[Path] | None, **overrides: Any) -> Config:
    """The settings: `deckgen.yaml` (or --config) and the options, over the Spaced Repetition
    plugin's own settings in the vault holding `paths`."""
    settings = config if config is not None else Path("deckgen.yaml")
    return load_config(settings, notes=paths or [Path(".")], **overrides)


def _progress(label: str = "Reading notes", least: int = 50) -> tuple[Progress, Callable[[], None]]:
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


@app.command()
def build(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    lock: LockOpt = Path("deckgen.lock"),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    templates: TemplatesOpt = None,
    dry_run: DryRunOpt = False,
    sheets: SheetsOpt = False,
    strict: StrictOpt = False,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Build an Anki package (.apkg) per source from every note under PATHS."""
    with _errors(debug, as_json):
        cfg = _config(config, paths, deck=deck, root=root, templates=templates)
        result = _run(paths, out, cfg, lock, strict=strict, write=not dry_run, fast=not sheets)
        if sheets and not dry_run:
            run = _sheets(result, out, cfg, quiet=as_json)
            result = replace(result, outputs=result.outputs + run.paths)
        report(result, as_json, dry_run=dry_run, verbose=verbose)


@app.command()
def diff(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    lock: LockOpt = Path("deckgen.lock"),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Show what a build would add, change, move and retire, per deck (same as build --dry-run)."""
    with _errors(debug, as_json):
        result = _run(paths, out, _config(config, paths, deck=deck, root=root), lock, write=False)
        report(result, as_json, dry_run=True, verbose=verbose)


@app.command()
def prune(
    lock: LockOpt = Path("deckgen.lock"),
    ranked_out: Annotated[
        bool, typer.Option("--ranked-out", help="Retire the cards kept only because you already had them.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Forget retired cards in the lock, once you have deleted them in Anki (tag:deckgen::retired)."""
    with _errors(debug):
        if not lock.is_file():  # pruning must never start a new, empty lock
            raise BuildError(
                f"{lock}: no such lock — run deckgen prune where deckgen.lock is, or pass --lock"
            )
        if ranked_out:
            n = run_prune(lock, ranked_out=True, now=_now())
            say(f"retired {n} ranked-out cards in {lock}; the next build marks them for deletion")
        else:
            say(f"forgot {run_prune(lock)} retired cards in {lock}")


@app.command()
def sheet(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    templates: TemplatesOpt = None,
    paper: PaperOpt = "a4",
    columns: ColumnsOpt = 1,
    layout: LayoutOpt = "fold",
    qr: QrOpt = True,
    formats: FormatOpt = "html,pdf",
    debug: DebugOpt = False,
) -> None:
    """Write printable study sheets (HTML, PDF) per topic deck and one for all, from the same cards;
    a deck's sheets are written again only when its cards changed."""
    with _errors(debug):
        cfg = _config(config, paths, deck=deck, root=root, templates=templates)
        result = _run(paths, out, cfg, None, write=False, cache=True)
        options = SheetOptions(paper, columns, layout, qr, tuple(f.strip() for f in formats.split(",")))
        run = _sheets(result, out, cfg, options)
        kept = len(run.paths) - len(run.written)
        gone = f", {len(run.removed)} removed" if run.removed else ""
        say(f"{len(result.decks)} decks, {result.cards} cards → {len(run.paths)} sheet files in "
            f"{out / 'sheets'} ({len(run.written)} written, {kept} unchanged{gone})")  # fmt: skip
        for problem in result.problems:
            warn(problem)


@app.command()
def watch(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    lock: LockOpt = Path("deckgen.lock"),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    templates: TemplatesOpt = None,
    strict: StrictOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Rebuild whenever a note or deckgen.yaml is saved; a broken note is reported, the last decks kept."""
    with _errors(debug):
        settings = config if config is not None else Path("deckgen.yaml")

        def load() -> Config:
            return _config(config, paths, deck=deck, root=root, templates=templates)

        with contextlib.suppress(KeyboardInterrupt):
            run_watch(
                paths or [Path(".")], out, load(), _now, lock=lock, strict=strict,
                on_build=functools.partial(show_rebuild, verbose=verbose),
                config_file=settings, reload=load,
            )  # fmt: skip


@app.command()
def push(
    paths: PathsArg = None,
    collection: Annotated[
        Path | None, typer.Option("--collection", help="The Anki collection file (collection.anki2).")
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Push into this Anki profile's collection.")
    ] = None,
    ankiconnect: Annotated[
        bool, typer.Option("--ankiconnect", help="Push into the running Anki through the AnkiConnect add-on.")
    ] = False,
    ankiconnect_url: Annotated[
        str | None,
        typer.Option(
            "--ankiconnect-url", help=f"AnkiConnect's address, implies --ankiconnect ({ANKICONNECT})."
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--ankiconnect-key", envvar="DECKGEN_ANKICONNECT_KEY", help="AnkiConnect's API key."),
    ] = None,
    delete_retired: Annotated[
        bool,
        typer.Option("--delete-retired", help="Delete retired cards (after a backup); else suspend them."),
    ] = False,
    backup_dir: Annotated[
        Path | None, typer.Option("--backup-dir", help="Folder for the backup before deleting.")
    ] = None,
    out: OutOpt = Path("out"),
    lock: LockOpt = Path("deckgen.lock"),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    templates: TemplatesOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan against the collection and change nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one deckgen.push/1 JSON document.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Build, then add, update, move and retire cards in an Anki collection, by GUID."""
    from .push import PushOptions, profile_collection
    from .push import push as run_push
    from .push.report import document as push_document
    from .push.report import lines

    with _errors(debug, as_json):
        url = ankiconnect_url or (ANKICONNECT if ankiconnect else "")
        if collection is None and profile is not None and not url:
            collection = profile_collection(profile)
        cfg = _config(config, paths, deck=deck, root=root, templates=templates)
        options = PushOptions(collection, url, key or "", delete_retired, dry_run, backup_dir)
        result = run_push(paths or [Path(".")], out, cfg, _now(), BuildOptions(lock=lock), options)
        if as_json:
            say(json.dumps(push_document(result, dry_run=dry_run), indent=2, ensure_ascii=False))
            return
        for line in lines(result, dry_run=dry_run):
            say(line)
        for problem in result.problems:
            warn(problem)


def _run(
    paths: list[Path] | None, out: Path, cfg: Config, lock: Path | None, *, strict: bool = False,
    write: bool, fast: bool = True, cache: bool = False,
) -> BuildResult:  # fmt: skip
    update, close = _progress()
    try:
        options = BuildOptions(lock=lock, strict=strict, write=write, fast=fast, progress=update, cache=cache)
        return run_build(paths or [Path(".")], out, cfg, _now(), options)
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


def _sheets(
    result: BuildResult, out: Path, cfg: Config, o: SheetOptions = SheetOptions(), *, quiet: bool = False
) -> SheetRun:
    from .sheets import write_all  # WeasyPrint loads slowly; only sheets need it
    from .write_sheet import SheetSettings, check_options

    # The user's folder first: any template it lacks comes from the built-in ones.
    folders = (*([cfg.templates] if cfg.templates else []), template_path("sheet.html.j2").parent)
    check_options(o.paper, o.columns, o.layout, o.formats)
    built = datetime.datetime.fromtimestamp(_now(), datetime.timezone.utc).date()
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(_now()))  # reproducible PDFs
    settings = SheetSettings(folders, built.isoformat(), o.paper, o.columns, o.layout, o.qr, o.formats)  # type: ignore[arg-type]
    update, close = _progress("Writing sheets", least=1) if not quiet else (None, lambda: None)
    try:
        return write_all(result.decks, out, settings, progress=update)
    finally:
        close()


def note_place(note: Path, base: Path) -> tuple[str, str]:
    """(display path, folder) that `deckgen build BASE` gives `note`; a note outside BASE is
    read as a file given on its own (no folder), as build reads one."""
    try:
        rel = Path(os.path.abspath(note)).relative_to(os.path.abspath(base))
    except ValueError:
        return note.name, ""
    folder = rel.parent.as_posix()
    return rel.as_posix(), "" if folder == "." else folder


@app.command()
def preview(
    note: Annotated[Path, typer.Argument(help="One Markdown note.")],
    base: BaseOpt = Path("."),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    cards_mode: CardsOpt = None,
    cap: CapOpt = None,
    why: Annotated[
        bool,
        typer.Option("--why", help="List every candidate with its score and why it was kept or dropped."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the cards as a JSON list.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Show the cards one note gives, in the deck a build would put them in, without writing anything."""
    with _errors(debug):
        cfg = _config(config, [note], deck=deck, root=root, cards=cards_mode, cap=cap)
        parsed = read_note(note, *note_place(note, base), cfg.separators)
        if why:
            ranking = explain(parsed, cfg)
            for line in why_lines(ranking, empty_reason(parsed, ranking)):
                say(line)
            return
        cards, problems = make_cards([parsed], cfg)
        if as_json:
            say(json.dumps([card_json(c) for c in cards], indent=2, ensure_ascii=False))
            return
        for problem in (*parsed.problems, *problems):
            warn(problem)
        for i, card in enumerate(cards, 1):
            c = card_json(card)
            lead = f"  ({c['lead']})\n" if c["lead"] else ""
            links = "  ".join(f"▶ {t['label']} {t['url']}" for t in c["timestamps"])
            say(f"{i}. [{c['kind']}] {c['topic']}\n{lead}  Q: {c['question']}\n  A: {c['answer']}")
            say(f"  {links}\n" if links else "")
        say(f"{len(cards)} cards in {cards[0].deck if cards else 'no deck'}")
