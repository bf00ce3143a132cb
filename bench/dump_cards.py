"""Dump every card a cold build would make of some notes, one JSON line per card, for diffing.

    python bench/dump_cards.py NOTES_DIR... > cards.jsonl
    diff before.jsonl after.jsonl

Each line holds the note, the card's GUID (as a first build gives it) and its whole face; ranked-out
claims (`spare`), the keys and texts that keep lock entries alive (`present`) and a note's empty
reason get lines of their own, so that a change anywhere in reading, rules or ranking shows up.
It runs the public `build()` as a dry run (no lock, nothing written), one folder at a time, in
one process with the default settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path


def dump(paths: list[Path]) -> list[str]:
    """The JSON lines for every note under `paths`."""
    from deckgen import BuildOptions, Config, build

    lines: list[str] = []
    with tempfile.TemporaryDirectory() as out:
        for root in paths:
            result = build([root], Path(out), Config(), 0, BuildOptions(write=False, jobs=1))
            by_note: dict[str, list[str]] = {}
            for deck in result.decks:
                for card in deck.cards:
                    face = dataclasses.asdict(card.face)
                    line = json.dumps({"note": card.note_path, "guid": card.guid, "key": card.key, **face})
                    by_note.setdefault(card.note_path, []).append((card.line, line))  # type: ignore[arg-type]
            for nc in result.claims:
                lines += [line for _, line in sorted(by_note.get(nc.note.path, []), key=lambda x: x[0])]
            for nc in result.claims:
                path = nc.note.path
                for claim, face in nc.spare:
                    lines.append(json.dumps({"note": path, "spare": claim.key, **dataclasses.asdict(face)}))
                lines.append(json.dumps({"note": path, "present": nc.present, "empty": nc.empty_reason}))
            lines += [json.dumps({"problem": str(p)}) for p in result.problems]
    return lines


def main() -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("paths", type=Path, nargs="+")
    args = parser.parse_args()
    sys.stdout.write("".join(f"{line}\n" for line in dump(args.paths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
