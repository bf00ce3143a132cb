"""What `deckgen push` prints: a summary line, then only what the learner must know."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..model import BLANK, Card
from . import PushResult
from .plan import PushPlan


def _short(card: Card) -> str:
    text = " ".join(card.face.question.replace(BLANK, "_____").split())
    return f'"{text[:70]}…"' if len(text) > 70 else f'"{text}"'


def _nids(cards: Iterable[Card], nids: Mapping[str, int]) -> str:
    found = [str(nids[c.guid]) for c in cards if c.guid in nids]
    return f" — in Anki's browser: nid:{','.join(found)}" if found else ""


def summary(p: PushPlan, *, dry_run: bool = False) -> str:
    """`added 3, updated 1, moved 0, suspended 0, unsuspended 0, deleted 0, unchanged 7`."""
    counts = (("add", "added", p.adds), ("update", "updated", p.updates), ("move", "moved", p.moves),
              ("suspend", "suspended", p.suspend), ("unsuspend", "unsuspended", p.unsuspend),
              ("delete", "deleted", p.delete))  # fmt: skip
    parts = [f"{verb if dry_run else done} {len(xs)}" for verb, done, xs in counts]
    return ", ".join([*parts, f"unchanged {p.unchanged}"])


def lines(result: PushResult, *, dry_run: bool = False) -> list[str]:
    """The summary line, the plan's details for a dry run, then what push left alone and why."""
    p = result.plan
    head = "would push" if dry_run else "pushed"
    out = [f"{head} {result.build.cards} cards to {result.target}: {summary(p, dry_run=dry_run)}"]
    if dry_run:
        out += [f"  add {_short(c)} → {c.deck}" for c in p.adds]
        out += [f"  update {_short(c)}" for c in p.updates]
        out += [f"  move {_short(m.card)}: {m.old_deck} → {m.card.deck}" for m in p.moves]
        out += [f"  suspend (retired) {_short(c)}" for c in p.suspend]
        out += [f"  unsuspend (back in your notes) {_short(c)}" for c in p.unsuspend]
        out += [f"  delete (retired) {_short(c)}" for c in p.delete]
    out += [f"edited in Anki; kept yours: {_short(c)}" for c in p.conflicts]
    out += [f"deleted in Anki; not brought back: {_short(c)}" for c in p.deleted]
    out += [f"suspended in Anki; left suspended: {_short(c)}" for c in p.kept_suspended]
    out += [f"filed elsewhere in Anki; left there (deckgen's deck: {c.deck}): {_short(c)}" for c in p.filed]
    if noted := [*p.conflicts, *p.kept_suspended, *p.filed]:
        out.append(f"  ({len(noted)} left as you have them{_nids(noted, result.nids)})")
    if result.backup is not None:
        out.append(f"backup before deleting: {result.backup}")
    if result.pruned:
        out.append(f"the lock forgot {result.pruned} retired claims")
    if result.schedules:
        verb = "would keep" if dry_run else "kept"
        out.append(f"{verb} your Spaced Repetition schedule for {result.schedules} new card"
                   f"{'s' * (result.schedules != 1)} (due date, interval, ease)")  # fmt: skip
    if result.unscheduled:
        verb = "would not be" if dry_run else "was not"
        out.append(f"your Spaced Repetition schedule {verb} kept for {result.unscheduled} new card"
                   f"{'s' * (result.unscheduled != 1)}: only a push into the collection file keeps "
                   "it (--collection or --profile, with Anki closed)")  # fmt: skip
    if result.media:
        out.append(f"media: {result.media} files in the collection's media folder")
    return out


def document(result: PushResult, *, dry_run: bool = False) -> dict[str, Any]:
    """The `--json` document: counts, and each card push left alone, with its GUID and note ID."""
    p = result.plan

    def cards(xs: Iterable[Card]) -> list[dict[str, Any]]:
        return [{"guid": c.guid, "nid": result.nids.get(c.guid), "question": c.face.question} for c in xs]

    return {
        "format": "deckgen.push/1", "target": result.target, "dry_run": dry_run, "plan": p.counts(),
        "conflicts": cards(p.conflicts), "deleted_in_anki": cards(p.deleted),
        "suspended_in_anki": cards(p.kept_suspended), "filed_elsewhere": cards(p.filed),
        "backup": str(result.backup) if result.backup else None, "pruned": result.pruned,
        "media": result.media, "schedules": result.schedules, "schedules_not_kept": result.unscheduled,
        "build": result.build.summary(), "warnings": [str(x) for x in result.problems],
    }  # fmt: skip
