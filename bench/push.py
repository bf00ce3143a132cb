"""Benchmark `deckgen push`: how long push takes on top of the build, for about 10,000 cards.

    python bench/push.py                 # a generated vault of 700 notes, `cards: all` (~10k cards)
    python bench/push.py --notes 300

Builds once (so the note cache is warm), then times, in this process: the build alone (what
push runs first), a first push into an empty collection, a push with nothing changed, and a
push after one note gained a card. Push's own time is the push minus the build.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import ensure_vault, note_paths, resolve_corpus

from deckgen import BuildOptions, build
from deckgen.config import Config
from deckgen.push import PushOptions, push

NOW = 1_700_000_000
EDIT = (
    "\n**Bench Term:** one more definition, added so that the next push has a card to add "
    '<a class="yt-timestamp" data-t="01:23:45">[01:23:45]</a>.\n'
)


def timed(label: str, results: dict[str, float], fn: object) -> object:
    start = time.perf_counter()
    value = fn()  # type: ignore[operator]
    results[label] = round(time.perf_counter() - start, 2)
    print(f"{label}: {results[label]} s", flush=True)
    return value


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notes", type=int, default=700)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="deckgen-bench-push-"))
    vault = ensure_vault(work / "vault", args.notes, 1, resolve_corpus(None))
    config, out, lock = Config(cards="all"), work / "out", work / "deckgen.lock"
    options = BuildOptions(lock=lock, jobs=args.jobs, every_card=True)
    collection = work / "anki" / "collection.anki2"
    target = PushOptions(collection=collection, create=True)
    results: dict[str, float] = {}
    first = build([vault], out, config, NOW, options)  # warms the note cache
    print(f"{first.notes} notes, {first.cards} cards", flush=True)
    timed("build (what push runs first)", results, lambda: build([vault], out, config, NOW, options))
    timed("first push (adds every card)", results, lambda: push([vault], out, config, NOW, options, target))
    timed("push, nothing changed", results, lambda: push([vault], out, config, NOW + 10, options, target))
    note = note_paths(vault)[0]
    note.write_text(note.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    timed("push, one card added", results, lambda: push([vault], out, config, NOW + 20, options, target))
    build_s = results["build (what push runs first)"]
    own = {
        "push's own share, first push": round(results["first push (adds every card)"] - build_s, 2),
        "push's own share, nothing changed": round(results["push, nothing changed"] - build_s, 2),
    }
    summary = {"notes": first.notes, "cards": first.cards, **results, **own}
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
