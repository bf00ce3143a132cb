"""Profile one in-process `deckgen.build()` with cProfile and print the top functions.

    python bench/profile_build.py NOTES_DIR [--top 15] [--save /tmp/prof.out]

Prints the top functions by cumulative time and by own (total) time. cProfile slows pure-Python
code by roughly 1.5-2x, so read the shares, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import pstats
import sys
import tempfile
from pathlib import Path

NOW = 1_700_000_000


def profile_build(notes: Path, out: Path) -> cProfile.Profile:
    """Run one full build under cProfile."""
    from deckgen.build import build
    from deckgen.config import Config

    # cProfile sees one process: when build() can fan out to worker processes, keep it in one
    # (older versions take `jobs=`, newer ones `options=BuildOptions(jobs=...)`).
    params = inspect.signature(build).parameters
    serial: dict[str, object] = {}
    if "jobs" in params:
        serial = {"jobs": 1}
    elif "options" in params:
        from deckgen.build.options import BuildOptions

        serial = {"options": BuildOptions(jobs=1)}
    prof = cProfile.Profile()
    prof.runcall(build, [notes], out, Config(), NOW, **serial)
    return prof


def top(prof: cProfile.Profile, sort: str, n: int) -> str:
    """The `n` heaviest functions by `sort` ("cumulative" or "tottime")."""
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(sort)
    stats.print_stats(n)
    lines = buf.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:])


def main() -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("notes", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--save", type=Path, default=None, help="also save the raw profile here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deckgen-prof-") as tmp:
        prof = profile_build(args.notes, Path(tmp))
    if args.save:
        prof.dump_stats(str(args.save))
    for sort in ("cumulative", "tottime"):
        print(f"## top {args.top} by {sort}\n")
        print(top(prof, sort, args.top), "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
