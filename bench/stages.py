"""Time each stage of one build in this process and print the split (wall and CPU s) as JSON.

    python bench/stages.py NOTES_DIR [--out DIR]

Stages: import, find, read+parse (`build.readall.read_notes`), rules+rank+faces
(`cards.claims.note_claims` per note), reconcile (GUIDs settled against an empty lock,
`identity.match.reconcile_note` per note), group, write (one package per source). Each is
looked up by name, so when the library's API moves, the stages that still exist are timed and
the others are reported as errors.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

NOW = 1_700_000_000  # a fixed build time, as SOURCE_DATE_EPOCH would give


def timed(split: dict[str, Any], name: str, fn: Callable[[], Any]) -> Any:
    """Run `fn`, record its wall and CPU seconds under `name` (or the error), return its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        result = fn()
    except Exception as exc:  # the API may change under us: report, don't crash
        split[name] = f"error: {type(exc).__name__}: {exc}"[:200]
        return None
    split[name] = {"wall": round(time.perf_counter() - wall, 3), "cpu": round(time.process_time() - cpu, 3)}
    return result


def extract_all(notes: list[Any], config: Any) -> list[Any]:
    """Every note's ranked claims with their faces (rules, ranking and card faces)."""
    from deckgen.cards.claims import note_claims

    return [note_claims(note, config) for note in notes]


def reconcile_all(claims: list[Any]) -> list[Any]:
    """Cards with GUIDs settled against an empty lock, note by note as the build does."""
    from deckgen.identity.match import Taken, note_identity, reconcile_note

    taken, cards = Taken(), []
    for nc in claims:
        cards += reconcile_note(nc, note_identity(nc.note), None, taken, NOW)[0]
    return cards


def write_all(decks: Any, out: Path, config: Any) -> int:
    """Write one package per source; return how many."""
    from deckgen.write.apkg import write_package
    from deckgen.write.package import package_files

    out.mkdir(parents=True, exist_ok=True)  # some versions leave this to build()
    packages = package_files(decks, out, config)
    for path, group_decks in packages.items():
        write_package(group_decks, path, NOW, config.templates)
    return len(packages)


def split_stages(notes_dir: Path, out: Path) -> dict[str, Any]:
    """The per-stage wall seconds of one build of `notes_dir` into `out`."""
    split: dict[str, Any] = {}
    start, cpu = time.perf_counter(), time.process_time()
    mods = timed(split, "import", _imports)
    if mods is None:
        return split
    config = mods["config"]
    files = timed(split, "find", lambda: mods["discover"].find_notes([notes_dir]))
    read = timed(split, "read+parse", lambda: mods["read"].read_notes(files)) if files is not None else None
    notes = read[0] if read else None
    claims = None
    if notes is not None:
        claims = timed(split, "rules+rank+faces", lambda: extract_all(notes, config))
    cards = timed(split, "reconcile", lambda: reconcile_all(claims)) if claims is not None else None
    decks = timed(split, "group", lambda: mods["package"].group(cards)) if cards is not None else None
    if decks is not None:
        timed(split, "write", lambda: write_all(decks, out, config))
    split["total"] = {
        "wall": round(time.perf_counter() - start, 3),
        "cpu": round(time.process_time() - cpu, 3),
    }
    split["counts"] = {
        "notes": len(notes or ()),
        "claims": sum(len(c.kept) for c in claims or ()),
        "cards": len(cards or ()),
        "decks": len(decks or ()),
    }
    split["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return split


def _imports() -> dict[str, Any]:
    from deckgen.config import Config

    names = {
        "discover": "deckgen.build.discover",
        "read": "deckgen.build.readall",
        "package": "deckgen.write.package",
    }
    return {**{k: importlib.import_module(v) for k, v in names.items()}, "config": Config()}


def main() -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("notes", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deckgen-stages-") as tmp:
        print(json.dumps(split_stages(args.notes, args.out or Path(tmp))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
