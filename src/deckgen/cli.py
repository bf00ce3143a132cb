"""The `deckgen` command: a thin typer layer over the library; the one place errors become exit codes."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import typer

from .build import BuildOptions, BuildResult, make_cards
from .build import build as run_build
from .build import prune as run_prune
from .config import Config, load_config, template_path
from .errors import ConfigError, DeckgenError
from .identity import Plan
from .model import BLANK, Card
from .notes import read_note
from .render import topic
from .watch import watch as run_watch

app = typer.Typer(
    help="Turn Markdown study notes into Anki decks sorted by topic, with timestamp links.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
RootOpt = Annotated[str | None, typer.Option("--root", help="Parent deck for all decks, e.g. 'Talks'.")]
TemplatesOpt = Annotated[
    Path | None, typer.Option("--templates", help="Folder with templates that override the built-in ones.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON summary.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on any warning.")]
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


def _now() -> int:
    """The build time; SOURCE_DATE_EPOCH makes builds reproducible."""
    return int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())


@contextmanager
def _errors(debug: bool) -> Iterator[None]:
    """Turn deckgen's errors into messages and exit codes: 2 for bad usage, 1 for a failed build."""
    try:
        yield
    except ConfigError as exc:
        typer.echo(f"deckgen: {exc}", err=True)
        raise typer.Exit(2) from None
    except DeckgenError as exc:
        typer.echo(f"deckgen: {exc}", err=True)
        raise typer.Exit(1) from None
    except (OSError, MemoryError) as exc:
        if debug:
            raise
        typer.echo(f"deckgen: {exc} (run with --debug for details)", err=True)
        raise typer.Exit(1) from None


def _config(config: Path | None, **overrides: Any) -> Config:
    return load_config(config if config is not None else Path("deckgen.yaml"), **overrides)


def _progress() -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A progress bar on stderr for long runs (click hides it when stderr is not a terminal)."""
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and total >= 50 and sys.stderr.isatty():
            bar = typer.progressbar(length=total, label="Reading notes", file=sys.stderr)
            bar.__enter__()
        if bar is not None:
            bar.update(1)

    def close() -> None:
        if bar is not None:
            bar.__exit__(None, None, None)

    return update, close


def _report(result: BuildResult, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.summary(), indent=2, ensure_ascii=False))
        return
    for problem in result.problems:
        typer.echo(f"warning: {problem}", err=True)
    outs = ", ".join(str(p) for p in result.outputs) or "nothing written"
    counts = ", ".join(f"{k} {v}" for k, v in result.plan.counts().items() if v)
    if result.skipped:
        counts += "; nothing changed since the last build"
    typer.echo(
        f"{result.notes} notes → {result.cards} cards in {result.deck_count} decks ({counts}), "
        f"{len(result.problems)} warnings: {outs}"
    )


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
    debug: DebugOpt = False,
) -> None:
    """Build an Anki package (.apkg) per source from every note under PATHS."""
    with _errors(debug):
        cfg = _config(config, deck=deck, root=root, templates=templates)
        result = _run(paths, out, cfg, lock, strict=strict, write=not dry_run, fast=not sheets)
        if dry_run:
            _print_plan(result.plan, as_json)
            return
        if sheets:
            result = replace(result, outputs=result.outputs + tuple(_sheets(result, out, cfg)))
        _report(result, as_json)


@app.command()
def diff(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    lock: LockOpt = Path("deckgen.lock"),
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Show what a build would add, change, move and retire, per deck (same as build --dry-run)."""
    with _errors(debug):
        result = _run(paths, out, _config(config), lock, write=False)
        _print_plan(result.plan, as_json)


@app.command()
def prune(lock: LockOpt = Path("deckgen.lock"), debug: DebugOpt = False) -> None:
    """Forget retired cards in the lock, once you have deleted them in Anki (tag:deckgen::retired)."""
    with _errors(debug):
        typer.echo(f"forgot {run_prune(lock)} retired cards in {lock}")


@app.command()
def sheet(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    config: ConfigOpt = None,
    templates: TemplatesOpt = None,
    paper: PaperOpt = "a4",
    columns: ColumnsOpt = 1,
    layout: LayoutOpt = "fold",
    qr: QrOpt = True,
    formats: FormatOpt = "html,pdf",
    debug: DebugOpt = False,
) -> None:
    """Write printable study sheets (HTML, PDF) per topic deck and one for all, from the same cards."""
    with _errors(debug):
        cfg = _config(config, templates=templates)
        result = _run(paths, out, cfg, None, write=False)
        options = SheetOptions(paper, columns, layout, qr, tuple(f.strip() for f in formats.split(",")))
        written = _sheets(result, out, cfg, options)
        for problem in result.problems:
            typer.echo(f"warning: {problem}", err=True)
        typer.echo(
            f"{len(result.decks)} decks, {result.cards} cards → {len(written)} sheet files"
            f" in {out / 'sheets'}"
        )


@app.command()
def watch(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    lock: LockOpt = Path("deckgen.lock"),
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Rebuild whenever a note is saved; a broken note is reported and the last good deck kept."""
    with _errors(debug):
        cfg = _config(config)

        def show(outcome: BuildResult | DeckgenError) -> None:
            stamp = time.strftime("%H:%M:%S")
            if isinstance(outcome, DeckgenError):
                typer.echo(f"{stamp} not rebuilt: {outcome}", err=True)
            else:
                counts = ", ".join(f"{k} {v}" for k, v in outcome.plan.counts().items())
                typer.echo(f"{stamp} rebuilt {outcome.cards} cards: {counts}")

        typer.echo("watching for changes (Ctrl+C to stop)", err=True)
        with contextlib.suppress(KeyboardInterrupt):
            run_watch(paths or [Path(".")], out, cfg, _now, lock=lock, on_build=show)


def _run(
    paths: list[Path] | None, out: Path, cfg: Config, lock: Path | None, *, strict: bool = False,
    write: bool, fast: bool = True,
) -> BuildResult:  # fmt: skip
    update, close = _progress()
    try:
        options = BuildOptions(lock=lock, strict=strict, write=write, fast=fast, progress=update)
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


def _sheets(result: BuildResult, out: Path, cfg: Config, o: SheetOptions = SheetOptions()) -> list[Path]:
    from .write_sheet import write_sheets  # WeasyPrint loads slowly; only sheets need it

    built = datetime.datetime.fromtimestamp(_now(), datetime.timezone.utc).date()
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(_now()))  # reproducible PDFs
    return write_sheets(
        result.decks, out, templates=template_path("sheet.html.j2", cfg.templates).parent, built=built,
        paper=o.paper, columns=o.columns, layout=o.layout, qr=o.qr, formats=o.formats,  # type: ignore[arg-type]
    )  # fmt: skip


def _print_plan(plan: Plan, as_json: bool) -> None:
    if as_json:
        changes = [dataclasses.asdict(c) for c in plan.changes]
        typer.echo(json.dumps({"counts": plan.counts(), "changes": changes}, indent=2, ensure_ascii=False))
        return
    marks = {"added": "+", "changed": "~", "moved": ">", "retired": "-"}
    for deck in sorted({c.deck for c in plan.changes if c.action in marks}):
        typer.echo(deck)
        for c in plan.changes:
            if c.deck == deck and c.action in marks:
                extra = f"  (was in {c.old_deck})" if c.action == "moved" else ""
                typer.echo(f"  {marks[c.action]} {c.action:<8} {c.question[:90]}{extra}")
    typer.echo(", ".join(f"{k} {v}" for k, v in plan.counts().items()))


def _card_json(card: Card) -> dict[str, Any]:
    f = card.face
    return {
        "kind": f.kind, "deck": f.deck, "guid": card.guid, "topic": topic(f),
        "lead": f.lead, "question": f.question.replace(BLANK, "_____"),
        "answer": f.answer, "context": f.context,
        "timestamps": [{"label": t.label, "url": t.url} for t in f.timestamps],
        "tags": list(f.tags), "source": f"{card.note_path}:{card.line}",
    }  # fmt: skip


@app.command()
def preview(
    note: Annotated[Path, typer.Argument(help="One Markdown note.")],
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Show the cards one note gives, without writing anything."""
    with _errors(debug):
        parsed = read_note(note, note.name)
        cards, problems = make_cards([parsed], _config(config))
        if as_json:
            typer.echo(json.dumps([_card_json(c) for c in cards], indent=2, ensure_ascii=False))
            return
        for problem in (*parsed.problems, *problems):
            typer.echo(f"warning: {problem}", err=True)
        for i, card in enumerate(cards, 1):
            c = _card_json(card)
            lead = f"  ({c['lead']})\n" if c["lead"] else ""
            links = "  ".join(f"▶ {t['label']} {t['url']}" for t in c["timestamps"])
            typer.echo(f"{i}. [{c['kind']}] {c['topic']}\n{lead}  Q: {c['question']}\n  A: {c['answer']}")
            typer.echo(f"  {links}\n" if links else "")
        typer.echo(f"{len(cards)} cards in {cards[0].face.deck if cards else 'no deck'}")
