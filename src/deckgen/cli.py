"""The `deckgen` command: a thin typer layer over the library; the one place errors become exit codes."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from .build import BuildResult, make_cards
from .build import build as run_build
from .config import Config, load_config
from .errors import ConfigError, DeckgenError
from .model import BLANK, Card
from .notes import read_note

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
        if bar is None and total >= 50:
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
    typer.echo(
        f"{result.notes} notes → {result.cards} cards in {len(result.decks)} decks, "
        f"{len(result.problems)} warnings: {outs}"
    )


@app.command()
def build(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    templates: TemplatesOpt = None,
    strict: StrictOpt = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Build an Anki package (.apkg) per source from every note under PATHS."""
    with _errors(debug):
        cfg = _config(config, deck=deck, root=root, templates=templates)
        update, close = _progress()
        try:
            result = run_build(paths or [Path(".")], out, cfg, _now(), strict=strict, progress=update)
        finally:
            close()
        _report(result, as_json)


def _plain(html_text: str) -> str:
    import html
    import re

    text = re.sub(r"<[^>]+>", " ", html_text.replace(BLANK, "_____"))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _card_json(card: Card) -> dict[str, Any]:
    return {
        "kind": card.claim.kind, "deck": card.deck, "guid": card.guid, "topic": _plain(card.topic),
        "lead": card.claim.lead, "question": card.claim.question.replace(BLANK, "_____"),
        "answer": card.claim.answer, "context": card.claim.context,
        "timestamps": [{"label": label, "url": url} for label, url in card.timestamps],
        "tags": list(card.tags), "source": str(card.claim.source),
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
        typer.echo(f"{len(cards)} cards in {cards[0].deck if cards else 'no deck'}")
