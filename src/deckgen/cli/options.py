"""The options the commands share, each written once (typer reads them from the annotations)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import JSON_HELP

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Note files or folders (every .md below them). Default: the current folder."),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for the generated files.")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Settings file. Default: ./deckgen.yaml, else deckgen.yaml in the vault's top folder "
        "(the one holding .obsidian/ or logseq/config.edn); -v says which was used.",
    ),
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
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Say which settings file is used; list every warning and every note that gave no cards.",
    ),
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
FetchImagesOpt = Annotated[
    bool,
    typer.Option(
        "--fetch-images",
        help="Download images embedded by web address and bundle them (reaches the network; "
        "`remote_images: download` in deckgen.yaml does it every time).",
    ),
]
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
CollectionOpt = Annotated[
    Path | None, typer.Option("--collection", help="The Anki collection file (collection.anki2).")
]
ProfileOpt = Annotated[
    str | None, typer.Option("--profile", help="Push into this Anki profile's collection.")
]
AnkiConnectOpt = Annotated[
    bool, typer.Option("--ankiconnect", help="Push into the running Anki through the AnkiConnect add-on.")
]
AnkiConnectUrlOpt = Annotated[
    str | None,
    typer.Option("--ankiconnect-url", help=f"AnkiConnect's address, implies --ankiconnect ({ANKICONNECT})."),
]
AnkiConnectKeyOpt = Annotated[
    str | None,
    typer.Option("--ankiconnect-key", envvar="DECKGEN_ANKICONNECT_KEY", help="AnkiConnect's API key."),
]
DeleteRetiredOpt = Annotated[
    bool, typer.Option("--delete-retired", help="Delete retired cards (after a backup); else suspend them.")
]
BackupDirOpt = Annotated[
    Path | None, typer.Option("--backup-dir", help="Folder for the backup before deleting.")
]
CreateOpt = Annotated[
    bool, typer.Option("--create", help="Start a new, empty collection at --collection if there is none.")
]
PushDryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Print the plan against the collection and change nothing.")
]
PushJsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON document (schema 'deckgen.push/1').")
]
