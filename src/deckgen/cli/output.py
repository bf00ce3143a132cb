"""What the `deckgen` command prints: the summary line, the `--json` document, the plan, colour."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ..errors import DeckgenError
from ..shown import CONTROLS, plural

if TYPE_CHECKING:  # the pipeline's modules load when a command prints what it built, not for --help
    from ..build import BuildResult
    from ..model import Card, Plan, Problem
    from ..rank import Ranking

SCHEMA = "deckgen.build/1"
PLAN_ACTIONS = ("added", "changed", "moved", "retired", "unchanged", "ranked_out", "conflicts", "deleted")
"""The plan's counts in `--json`, always all present (0 until a build has such actions)."""
JSON_HELP = (
    f"Print one JSON object (schema {SCHEMA!r}), also on failure: schema, ok, error, dry_run, notes, "
    f"cards, decks, kinds, plan (counts of {', '.join(PLAN_ACTIONS)}), changes (action, deck, "
    "question, path, old_deck), warnings, outputs, skipped, empty (path and reason of each note that "
    "gave no cards)."
)


_UNPRINTABLE = re.compile(f"{CONTROLS.pattern}|[\u202a-\u202e\u2066-\u2069]")
"""What a terminal must not be sent from a note: control characters (`ESC ]52` writes the
clipboard, `ESC [` moves the cursor and recolours) and the bidirectional overrides that make
text read in another order than it is."""


HINT = (
    "cards come from `**Term:** meaning` items, `Term: meaning` lines, definitions like "
    '"A pipe is a …", and sentences with a timestamp like [12:34] or a **marked** phrase'
)
"""What a note needs to give cards: said once under the list of notes that gave none."""


def terminal_text(text: str) -> str:
    """`text` with each `_UNPRINTABLE` character written out as `\\uXXXX`: visible, and in a
    JSON string the same character again."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def say(text: str, *, err: bool = False, fg: str | None = None) -> None:
    """Print a line: everything deckgen prints goes through here, so no note's text ever runs as
    a terminal command (`terminal_text`); coloured only on a terminal (click strips it
    otherwise) and never with NO_COLOR."""
    typer.secho(terminal_text(text), err=err, fg=fg, color=False if os.environ.get("NO_COLOR") else None)


def warn(problem: object) -> None:
    say(f"warning: {problem}", err=True, fg="yellow")


_PARTICULARS = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`|\[[^\]\n]*\]|\d+")
"""What differs between two warnings of one kind: quoted names, bracketed stamps, numbers."""


def warning_kind(message: str) -> str:
    """A warning's message without its particulars: warnings of one kind give the same text."""
    return _PARTICULARS.sub("…", message)


def warn_all(problems: Sequence[Problem], verbose: bool = False) -> None:
    """Each kind of warning once, the first as its example, with how many more there are of
    it; `verbose`: every warning. A note that could not be read at all is always named."""
    kinds: dict[str, list[Problem]] = {}
    for i, problem in enumerate(problems):
        kind = str(i) if verbose or problem.unread else warning_kind(problem.message)
        kinds.setdefault(kind, []).append(problem)
    for same in kinds.values():
        more = f" (and {len(same) - 1} more like it; --verbose lists all)" if len(same) > 1 else ""
        warn(f"{same[0]}{more}")


def document(
    result: BuildResult | None, *, dry_run: bool = False, error: str | None = None
) -> dict[str, Any]:
    """`--json` of build, build --dry-run and diff: one shape, also when the command failed."""
    from ..build import BuildResult

    r = result or BuildResult(0, 0, (), ())
    return {
        "schema": SCHEMA, "ok": error is None, "error": error, "dry_run": dry_run,
        "notes": r.notes, "cards": r.cards, "decks": r.deck_count, "kinds": r.kinds,
        "plan": {action: r.plan.count(action) for action in PLAN_ACTIONS},
        "changes": [dataclasses.asdict(c) for c in r.plan.changes],
        "warnings": [str(p) for p in r.problems], "outputs": [str(p) for p in r.outputs],
        "skipped": r.skipped, "empty": [{"path": path, "reason": why} for path, why in r.empty],
    }  # fmt: skip


def plan_counts(plan: Plan) -> str:
    """The plan's non-zero counts: `added 3, unchanged 51`."""
    return ", ".join(f"{k} {v}" for k, v in plan.counts().items() if v) or "no cards"


def summary_line(result: BuildResult) -> str:
    """`5 notes → 54 cards in 5 decks (added 54) → out/a.apkg, out/b.apkg[; 2 warnings]`."""
    counts = plan_counts(result.plan) + ("; nothing changed since the last build" if result.skipped else "")
    outs = ", ".join(str(p) for p in result.outputs) or "nothing written"
    # `N notes → N cards` stays as it always was but for the plurals (scripts read --json)
    notes, cards, decks = (
        plural(result.notes, "note"),
        plural(result.cards, "card"),
        plural(result.deck_count, "deck"),
    )
    line = f"{notes} → {cards} in {decks} ({counts}) → {outs}"
    return line + (f"; {plural(len(result.problems), 'warning')}" if result.problems else "")


def report(result: BuildResult, as_json: bool, *, dry_run: bool = False, verbose: bool = False) -> None:
    """A finished build: the JSON document, or the summary line (the plan for a dry run), then
    warnings and the notes that gave no cards."""
    if as_json:
        say(json.dumps(document(result, dry_run=dry_run), indent=2, ensure_ascii=False))
        return
    if dry_run:
        print_plan(result.plan)
    else:
        say(summary_line(result))
    warn_all(result.problems, verbose)
    for line in empty_lines(result, verbose):
        say(line, err=True)


SHOWN_EMPTY = 5
"""Without --verbose, the summary names this many of the notes that gave no cards."""


def empty_lines(result: BuildResult, verbose: bool = False) -> list[str]:
    """`N notes gave no cards:`, then `  path: reason` for the first few (all with `verbose`)."""
    if not result.empty:
        return []
    shown = result.empty if verbose else result.empty[:SHOWN_EMPTY]
    lines = [f"{plural(len(result.empty), 'note')} gave no cards:"]
    lines += [f"  {path}: {reason}" for path, reason in shown]
    if more := len(result.empty) - len(shown):
        lines.append(f"  … and {more} more (--verbose lists all)")
    return [*lines, f"  ({HINT}; `deckgen preview NOTE --why` shows the details)"]


def show_rebuild(
    outcome: BuildResult | DeckgenError, changed: tuple[Path, ...], *, verbose: bool = False,
    seen: set[str] | None = None,
) -> None:  # fmt: skip
    """One line per rebuild: when, which file started it, and what came of it; then the
    warnings and the notes that gave no cards, only those not in `seen` (what the rebuilds
    before said: `watch` says only what changed), which then holds this build's."""
    cause = ""
    if changed:
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        cause = f"{shown(changed[0])}{more} changed: "
    stamp = time.strftime("%H:%M:%S")
    if isinstance(outcome, DeckgenError):
        say(f"{stamp} {cause}not rebuilt: {outcome}", err=True, fg="red")
    else:
        say(f"{stamp} {cause}{summary_line(outcome)}")
        said = seen if seen is not None else set()
        now = {str(p) for p in outcome.problems} | {f"{path}\x1f{why}" for path, why in outcome.empty}
        warn_all([p for p in outcome.problems if str(p) not in said], verbose)
        fresh = tuple((path, why) for path, why in outcome.empty if f"{path}\x1f{why}" not in said)
        for line in empty_lines(dataclasses.replace(outcome, empty=fresh), verbose):
            say(line, err=True)
        said.clear()
        said.update(now)
    if not changed:  # the first build: from now on, saves trigger rebuilds
        say("watching for changes (Ctrl+C to stop)", err=True)


def shown(path: Path) -> str:
    """A path relative to the current folder when it is below it (watchfiles reports absolute ones)."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def print_plan(plan: Plan) -> None:
    """The plan per deck, one card a line, then its counts."""
    marks = {"added": "+", "changed": "~", "moved": ">", "retired": "-"}
    for deck in sorted({c.deck for c in plan.changes if c.action in marks}):
        say(deck)
        for c in plan.changes:
            if c.deck == deck and c.action in marks:
                extra = f"  (was in {c.old_deck})" if c.action == "moved" else ""
                say(f"  {marks[c.action]} {c.action:<8} {c.question[:90]}{extra}")
    say(", ".join(f"{k} {v}" for k, v in plan.counts().items()))


def card_json(card: Card) -> dict[str, Any]:
    """One card for `preview --json`."""
    from ..cards import render

    f = card.face
    return {
        "kind": f.kind, "deck": f.deck, "guid": card.guid, "topic": render.topic(f),
        "lead": f.lead, "question": render.plain_question(f.question),
        "answer": f.answer, "context": f.context,
        "timestamps": [{"label": t.label, "url": t.url} for t in f.timestamps],
        "tags": list(f.tags), "source": f"{card.note_path}:{card.line}",
    }  # fmt: skip


def why_lines(ranking: Ranking, empty: str = "") -> list[str]:
    """`preview --why`: every candidate in reading order, kept or dropped, with its score and
    reason; for a note that keeps no card, `empty` says why."""
    from ..cards import render

    reasons = {id(c): why for c, why in ranking.dropped}
    every = sorted(
        [*ranking.kept, *(c for c, _ in ranking.dropped)], key=lambda c: (c.claim.source.line, c.unit)
    )
    lines = []
    for c in every:
        mark = "kept" if id(c) not in reasons else "drop"
        question = render.plain_question(c.claim.question)
        lines.append(f"{mark} {c.score:4.1f} {c.rule:<10} line {c.claim.source.line:<4} {question[:100]}")
        if c.claim.answer:
            lines.append(f"{'':27}→ {c.claim.answer[:90]}")
        if id(c) in reasons:
            lines.append(f"{'':27}  {reasons[id(c)]}")
    kept = len(ranking.kept)
    lines.append(f"{kept} card{'s' * (kept != 1)} kept of {len(every)} candidates")
    if empty:
        lines += [f"no cards: {empty}", HINT]
    return lines
