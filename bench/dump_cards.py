"""Dump every card a cold build would make of some notes, one JSON line per card, for diffing.

    python bench/dump_cards.py NOTES_DIR... > cards.jsonl
    diff before.jsonl after.jsonl

Each line holds the note, the card's GUID (as a first build gives it) and its whole face; ranked-out
claims (`spare`), the keys and texts that keep lock entries alive (`present`) and a note's empty
reason get lines of their own, so that a change anywhere in reading, rules or ranking shows up.
Runs in one process with the default settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path


def dump(paths: list[Path]) -> list[str]:
    """The JSON lines for every note under `paths`."""
    from deckgen.config import Config
    from deckgen.discover import find_notes
    from deckgen.identity import reconcile
    from deckgen.readall import note_claims, read_notes

    config = Config()
    lines: list[str] = []
    for root in paths:
        notes, problems = read_notes(find_notes([root], config.exclude))
        per_note = [note_claims(n, config) for n in notes]
        cards, _, _ = reconcile(per_note, [], 0)
        for card in cards:
            face = dataclasses.asdict(card.face)
            lines.append(json.dumps({"note": card.note_path, "guid": card.guid, "key": card.key, **face}))
        for nc in per_note:
            path = nc.note.path
            for claim, face in nc.spare:
                lines.append(json.dumps({"note": path, "spare": claim.key, **dataclasses.asdict(face)}))
            lines.append(json.dumps({"note": path, "present": nc.present, "empty": nc.empty_reason}))
        lines += [json.dumps({"problem": str(p)}) for p in problems]
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
