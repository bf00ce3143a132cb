"""Pin what deckgen makes of a folder of notes, and check a later commit makes the same.

    python bench/pin.py write bench/pinned ../shared/corpus   # record (commit the result)
    python bench/pin.py check bench/pinned ../shared/corpus   # compare; exit 1 and show what differs

Four gzipped JSON-lines files, each a stage's output: `cards` (every card, ranked-out claim and
GUID of a cold dry run through the public `build()`, as `dump_cards.py` gives them), `lock` (the
format-2 lock a writing build leaves, file by file), `packages` (every `.apkg`'s notes: GUID,
note type, fields, tags and the deck of each card, plus the build's JSON summary) and `sheets`
(the HTML and Markdown study sheets' text). Builds run through the `deckgen` command with a fixed
clock, so a refactoring that changes none of them changes nothing a learner sees.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from dump_cards import dump

CLOCK = "1765000000"
KINDS = ("cards", "lock", "packages", "sheets")


def _deckgen(*args: str, cwd: Path) -> str:
    env = {**os.environ, "SOURCE_DATE_EPOCH": CLOCK}
    code = "import sys; from deckgen.cli import app; sys.argv[0] = 'deckgen'; app()"
    run = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if run.returncode != 0:
        raise SystemExit(f"deckgen {' '.join(args)} failed:\n{run.stderr}")
    return run.stdout


def _package_lines(apkg: Path) -> list[str]:
    with zipfile.ZipFile(apkg) as z, tempfile.TemporaryDirectory() as tmp:
        name = "collection.anki21" if "collection.anki21" in z.namelist() else "collection.anki2"
        db_path = Path(tmp) / "c.db"
        db_path.write_bytes(z.read(name))
        db = sqlite3.connect(db_path)
        models = json.loads(db.execute("select models from col").fetchone()[0])
        decks = json.loads(db.execute("select decks from col").fetchone()[0])
        lines = []
        for nid, guid, mid, tags, flds in db.execute(
            "select id, guid, mid, tags, flds from notes order by guid"
        ):
            card_decks = [
                decks[str(did)]["name"]
                for (did,) in db.execute("select did from cards where nid = ? order by ord", (nid,))
            ]
            row = {"package": apkg.name, "guid": guid, "type": models[str(mid)]["name"],
                   "fields": flds.split("\x1f"), "tags": tags.split(), "decks": card_decks}  # fmt: skip
            lines.append(json.dumps(row, ensure_ascii=False))
        db.close()
        return lines


def _files(folder: Path, base: Path) -> list[str]:
    return [
        json.dumps({"file": p.relative_to(base).as_posix(), "text": p.read_text("utf-8")}, ensure_ascii=False)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]


def pin(notes: Path) -> dict[str, list[str]]:
    """Every pinned line of `notes`, per kind."""
    notes = notes.resolve()
    got: dict[str, list[str]] = {"cards": dump(sorted(p for p in notes.iterdir() if p.is_dir()))}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        summary = _deckgen("build", str(notes), "--out", "out", "--lock", "deckgen.lock", "--json", cwd=work)
        doc = json.loads(summary)
        doc["outputs"] = [Path(p).name for p in doc.get("outputs", [])]
        index = json.dumps({"file": "deckgen.lock", "text": (work / "deckgen.lock").read_text("utf-8")})
        got["lock"] = [index, *_files(work / "deckgen.lock.d", work)]
        packages = [json.dumps({"summary": doc}, ensure_ascii=False, sort_keys=True)]
        for apkg in sorted((work / "out").glob("*.apkg")):
            packages += _package_lines(apkg)
        got["packages"] = packages
        _deckgen("sheet", str(notes), "--out", "out", "--format", "html,md", cwd=work)
        got["sheets"] = _files(work / "out" / "sheets", work / "out")
    return got


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=("write", "check"))
    parser.add_argument("pinned", type=Path)
    parser.add_argument("notes", type=Path)
    args = parser.parse_args()
    got = pin(args.notes)
    if args.action == "write":
        args.pinned.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            with gzip.open(args.pinned / f"{kind}.jsonl.gz", "wt", encoding="utf-8", compresslevel=9) as f:
                f.write("".join(f"{line}\n" for line in got[kind]))
        print(f"pinned {', '.join(f'{len(got[k])} {k} lines' for k in KINDS)} in {args.pinned}")
        return 0
    differ = 0
    for kind in KINDS:
        with gzip.open(args.pinned / f"{kind}.jsonl.gz", "rt", encoding="utf-8") as f:
            before = f.read().splitlines()
        after = got[kind]
        if before == after:
            print(f"{kind}: identical ({len(after)} lines)")
            continue
        differ += 1
        gone, new = sorted(set(before) - set(after)), sorted(set(after) - set(before))
        print(f"{kind}: DIFFERENT ({len(before)} → {len(after)} lines; {len(gone)} gone, {len(new)} new"
              f"{'; same lines, other order' if not gone and not new else ''})")  # fmt: skip
        for line in gone[:5]:
            print(f"  - {line[:400]}")
        for line in new[:5]:
            print(f"  + {line[:400]}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
