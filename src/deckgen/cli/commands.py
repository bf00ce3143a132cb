"""The `deckgen` command: a thin typer layer over the library; the one place errors become exit codes."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .. import __version__
from ..build import BuildOptions
from ..errors import BuildError
from ..shown import plural
from .common import (
    PREVIEW,
    SheetOptions,
    handle_errors,
    in_reading_order,
    load_settings,
    note_place,
    now,
    run_with_progress,
    write_sheets_of,
)
from .options import (
    ANKICONNECT,
    AnkiConnectKeyOpt,
    AnkiConnectOpt,
    AnkiConnectUrlOpt,
    BackupDirOpt,
    BaseOpt,
    CapOpt,
    CardsOpt,
    CollectionOpt,
    ColumnsOpt,
    ConfigOpt,
    CreateOpt,
    DebugOpt,
    DeckOpt,
    DeleteRetiredOpt,
    DryRunOpt,
    FetchImagesOpt,
    FormatOpt,
    JsonOpt,
    LayoutOpt,
    LockOpt,
    OutOpt,
    PaperOpt,
    PathsArg,
    ProfileOpt,
    PushDryRunOpt,
    PushJsonOpt,
    QrOpt,
    RootOpt,
    SheetsOpt,
    StrictOpt,
    TemplatesOpt,
    VerboseOpt,
)
from .output import card_json, report, say, show_rebuild, warn, warn_all, why_lines

if TYPE_CHECKING:  # each command imports what it runs in its body, so that --help loads none of it
    from ..config import Config

app = typer.Typer(
    help="Turn Markdown study notes into Anki decks sorted by topic, with timestamp links.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags shown as flags, no boxes when piped
)


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


@app.command()
def build(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    lock: LockOpt = Path("deckgen.lock"),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    cards_mode: CardsOpt = None,
    cap: CapOpt = None,
    templates: TemplatesOpt = None,
    dry_run: DryRunOpt = False,
    sheets: SheetsOpt = False,
    strict: StrictOpt = False,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
    fetch_images: FetchImagesOpt = False,
) -> None:
    """Build an Anki package (.apkg) per source from every note under PATHS."""
    with handle_errors(debug, as_json):
        cfg = load_settings(config, paths, verbose=verbose, deck=deck, root=root, templates=templates,
                            cards=cards_mode, cap=cap, fetch_images=fetch_images)  # fmt: skip
        result = run_with_progress(paths, out, cfg, lock, strict=strict, write=not dry_run, every_card=sheets)
        if sheets and not dry_run:
            run = write_sheets_of(result, out, cfg, quiet=as_json)
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
    cards_mode: CardsOpt = None,
    cap: CapOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Show what a build would add, change, move and retire, per deck (same as build --dry-run)."""
    with handle_errors(debug, as_json):
        cfg = load_settings(config, paths, verbose=verbose, deck=deck, root=root, cards=cards_mode, cap=cap)
        result = run_with_progress(paths, out, cfg, lock, write=False)
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
    from ..identity.retire import prune as run_prune

    with handle_errors(debug):
        if not lock.is_file():  # pruning must never start a new, empty lock
            raise BuildError(
                f"{lock}: no such lock — run deckgen prune where deckgen.lock is, or pass --lock"
            )
        if ranked_out:
            n = run_prune(lock, ranked_out=True, now=now())
            say(f"retired {plural(n, 'ranked-out card')} in {lock}; the next build marks them for deletion")
        else:
            say(f"forgot {plural(run_prune(lock), 'retired card')} in {lock}")


@app.command()
def sheet(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    cards_mode: CardsOpt = None,
    cap: CapOpt = None,
    templates: TemplatesOpt = None,
    paper: PaperOpt = "a4",
    columns: ColumnsOpt = 1,
    layout: LayoutOpt = "fold",
    qr: QrOpt = True,
    formats: FormatOpt = "html,pdf",
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
    fetch_images: FetchImagesOpt = False,
) -> None:
    """Write printable study sheets (HTML, PDF) per topic deck and one for all, from the same cards;
    a deck's sheets are written again only when its cards changed."""
    with handle_errors(debug):
        cfg = load_settings(config, paths, verbose=verbose, deck=deck, root=root, templates=templates,
                            cards=cards_mode, cap=cap, fetch_images=fetch_images)  # fmt: skip
        result = run_with_progress(paths, out, cfg, None, write=False, cache=True, every_card=True)
        options = SheetOptions(paper, columns, layout, qr, tuple(f.strip() for f in formats.split(",")))
        run = write_sheets_of(result, out, cfg, options)
        kept = len(run.paths) - len(run.written)
        gone = f", {len(run.removed)} removed" if run.removed else ""
        say(f"{plural(len(result.decks), 'deck')}, {plural(result.cards, 'card')} → "
            f"{plural(len(run.paths), 'sheet file')} in "
            f"{out / 'sheets'} ({len(run.written)} written, {kept} unchanged{gone})")  # fmt: skip
        warn_all(result.problems, verbose)


@app.command()
def watch(
    paths: PathsArg = None,
    out: OutOpt = Path("out"),
    lock: LockOpt = Path("deckgen.lock"),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    cards_mode: CardsOpt = None,
    cap: CapOpt = None,
    templates: TemplatesOpt = None,
    strict: StrictOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
    fetch_images: FetchImagesOpt = False,
) -> None:
    """Rebuild whenever a note or deckgen.yaml is saved; a broken note is reported, the last decks kept."""
    from ..build.watch import watch as run_watch
    from ..config import SETTINGS_NAME, find_settings

    with handle_errors(debug):
        settings = find_settings(config, paths or [Path(".")]).path or Path(SETTINGS_NAME)

        def load(loud: bool = False) -> Config:
            return load_settings(config, paths, verbose=loud, deck=deck, root=root, templates=templates,
                                 cards=cards_mode, cap=cap, fetch_images=fetch_images)  # fmt: skip

        with contextlib.suppress(KeyboardInterrupt):
            run_watch(
                paths or [Path(".")], out, load(verbose), now, lock=lock, strict=strict,
                on_build=functools.partial(show_rebuild, verbose=verbose, seen=set()),
                config_file=settings, reload=load,
            )  # fmt: skip


@app.command()
def push(
    paths: PathsArg = None,
    collection: CollectionOpt = None,
    profile: ProfileOpt = None,
    ankiconnect: AnkiConnectOpt = False,
    ankiconnect_url: AnkiConnectUrlOpt = None,
    key: AnkiConnectKeyOpt = None,
    delete_retired: DeleteRetiredOpt = False,
    backup_dir: BackupDirOpt = None,
    create: CreateOpt = False,
    out: OutOpt = Path("out"),
    lock: LockOpt = Path("deckgen.lock"),
    config: ConfigOpt = None,
    deck: DeckOpt = None,
    root: RootOpt = None,
    cards_mode: CardsOpt = None,
    cap: CapOpt = None,
    templates: TemplatesOpt = None,
    dry_run: PushDryRunOpt = False,
    as_json: PushJsonOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
    fetch_images: FetchImagesOpt = False,
) -> None:
    """Build, then add, update, move and retire cards in an Anki collection, by GUID."""
    from ..push import PushOptions, profile_collection
    from ..push import push as run_push
    from ..push.report import document as push_document
    from ..push.report import lines

    with handle_errors(debug, as_json):
        url = ankiconnect_url or (ANKICONNECT if ankiconnect else "")
        if collection is None and profile is not None and not url:
            collection = profile_collection(profile)
        cfg = load_settings(config, paths, verbose=verbose, deck=deck, root=root, templates=templates,
                            cards=cards_mode, cap=cap, fetch_images=fetch_images)  # fmt: skip
        options = PushOptions(collection, url, key or "", delete_retired, dry_run, backup_dir, create)
        result = run_push(paths or [Path(".")], out, cfg, now(), BuildOptions(lock=lock), options)
        if as_json:
            say(json.dumps(push_document(result, dry_run=dry_run), indent=2, ensure_ascii=False))
            return
        for line in lines(result, dry_run=dry_run):
            say(line)
        warn_all(result.problems, verbose)


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
    fetch_images: FetchImagesOpt = False,
) -> None:
    """Show the cards one note gives, in the deck a build would put them in, without writing anything."""
    from ..cards.claims import explain
    from ..cards.empty import empty_reason
    from ..notes import read_note

    with handle_errors(debug):
        if not os.path.lexists(note):
            raise BuildError(f"{note}: no such file — check the path")
        cfg = load_settings(
            config,
            [note],
            deck=deck,
            root=root,
            cards=cards_mode,
            cap=cap,
            fetch_images=fetch_images,
        )
        if why:
            parsed = read_note(note, *note_place(note, base), cfg.separators)
            ranking = explain(parsed, cfg)
            for line in why_lines(ranking, empty_reason(parsed, ranking, cfg.flashcard_tags)):
                say(line)
            return
        from ..build.discover import NoteFile  # the build's stages, and its writers: not for --why
        from ..build.run import run as run_stages

        with tempfile.TemporaryDirectory(prefix="deckgen-preview-") as nowhere:  # no cache, no lock
            found = NoteFile(str(note), *note_place(note, base))
            result = run_stages([found], Path(nowhere), cfg, now(), PREVIEW)
        if unread := [p for p in result.problems if p.unread]:  # the note itself cannot be read
            raise BuildError(str(unread[0]))
        cards = in_reading_order(result)
        if as_json:
            say(json.dumps([card_json(c) for c in cards], indent=2, ensure_ascii=False))
            return
        for problem in result.problems:
            warn(problem)
        for i, card in enumerate(cards, 1):
            c = card_json(card)
            lead = f"  ({c['lead']})\n" if c["lead"] else ""
            links = "  ".join(f"▶ {t['label']} {t['url']}" for t in c["timestamps"])
            say(f"{i}. [{c['kind']}] {c['topic']}\n{lead}  Q: {c['question']}\n  A: {c['answer']}")
            say(f"  {links}\n" if links else "")
        say(f"{plural(len(cards), 'card')} in {cards[0].deck if cards else 'no deck'}")
