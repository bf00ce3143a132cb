"""Score a blind rating (step 7 of `../shared/cards/README.md`).

    python bench/blind/score.py RATE_DIR RATER_VERDICTS.jsonl RATER_VERDICTS.jsonl [--coverage COVERAGE.jsonl]

Prints precision (a card counts only when both raters accept it), each rater's verdict on every
control, the failed checks counted, and, given a matcher's coverage file, recall against the
gold deck (all and core, and counting acceptable covering cards only).
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.open() if line.strip()]


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("rate", type=Path)
    parser.add_argument("raters", type=Path, nargs=2)
    parser.add_argument("--coverage", type=Path)
    args = parser.parse_args()
    key = json.loads((args.rate / "controls-key.json").read_text())
    verdicts = [{str(d["id"]): d for d in _lines(p)} for p in args.raters]
    ok = [{c: d["verdict"] == "acceptable" for c, d in v.items()} for v in verdicts]
    ours = [c for c, what in key.items() if what == "deckgen"]
    both = sum(ok[0][c] and ok[1][c] for c in ours)
    print(f"precision: {both}/{len(ours)} = {both / len(ours):.0%} acceptable to both raters "
          f"(rater 1: {sum(ok[0][c] for c in ours)}, rater 2: {sum(ok[1][c] for c in ours)}, "
          f"agreeing on {sum(ok[0][c] == ok[1][c] for c in ours)})")  # fmt: skip
    for c, what in key.items():
        if what != "deckgen":
            one, two = verdicts[0][c]["verdict"], verdicts[1][c]["verdict"]
            print(f"  {c} {what:30} rater 1: {one:15} rater 2: {two}")
    fails = collections.Counter(str(f) for c in ours for v in verdicts for f in v[c].get("fails", []))  # type: ignore[attr-defined]
    print("failed checks (both raters):", ", ".join(f"{k} {n}" for k, n in fails.most_common()))
    if args.coverage:
        gold = _lines(args.coverage)
        for label, rows in (("all", gold), ("core", [g for g in gold if g["importance"] == 3])):
            covered = sum(g["covered_by"] is not None for g in rows)
            good = sum(bool(g["covering_card_acceptable"]) for g in rows)
            print(
                f"recall ({label}): {covered}/{len(rows)} = {covered / len(rows):.0%} covered, "
                f"{good}/{len(rows)} = {good / len(rows):.0%} by an acceptable card"
            )


if __name__ == "__main__":
    main()
