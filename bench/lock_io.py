"""Time the lock's own I/O: open a lock (its index), read one note's entries, and stage that
note's entry file and the index again, as a rebuild after one edit does.

    python bench/lock_io.py LOCK [--note PATH] [--repeat 5]

Nothing is put in place: the staged files are removed. Prints JSON (best of `--repeat`):
seconds of wall time per step, and CPU time in all.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from deckgen.files import staged
from deckgen.identity.lockfile import open_lock
from deckgen.identity.lockwrite import stage_entry, stage_index


class _Discard(Exception):
    """Leave the staged files unrenamed."""


def once(lock_path: Path, note: str | None) -> dict[str, float]:
    """Seconds for each step, once."""
    c0, t0 = time.process_time(), time.perf_counter()
    lock = open_lock(lock_path)
    t1 = time.perf_counter()
    path = note or sorted(lock.rows)[len(lock.rows) // 2]
    entry = lock.entry(path)
    t2 = time.perf_counter()
    try:
        with staged() as stage:
            forced = type(lock)(lock.path, {}, lock.found)  # an empty index: the entry is staged
            row = stage_entry(stage, forced, entry)
            stage_index(stage, lock, {path: row}, (), [c.guid for c in entry.claims[:1]])
            t3, c3 = time.perf_counter(), time.process_time()
            raise _Discard
    except _Discard:
        pass
    return {"notes": len(lock.rows), "claims": len(entry.claims), "open_index_s": t1 - t0,
            "read_entry_s": t2 - t1, "write_entry_and_index_s": t3 - t2, "total_s": t3 - t0,
            "total_cpu_s": c3 - c0}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("lock", type=Path)
    parser.add_argument(
        "--note", default=None, help="the note whose entries to read and write (default: the middle one)"
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = [once(args.lock, args.note) for _ in range(args.repeat)]
    print(json.dumps(min(runs, key=lambda r: r["total_s"]), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
