"""What `deckgen push` prints: a summary line, then only what the learner must know."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..model import BLANK, Card
from ..shown import plural
from . import PushResult


def _short(card: Card) -> str:
    text = " ".join(card.face.question.replace(BLANK, "_____").split())
    return f'"{text[:70]}…"' if len(text) > 70 else f'"{text}"'


def _nids(cards: Iterable[Card], nids: Mapping[str, int]) -> str:
    found = [str(nids[c.guid]) for c in cards if c.guid in nids]
    return f" — in Anki's browser: nid:{','.join(found)}" if found else ""


def tally(result: PushResult) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """(verb, done, count) for the build's live cards, each counted once, so that the counts
    add up to the cards pushed (a card both updated and moved is updated, a retired claim back
    in the notes is unsuspended); then for its retired cards."""
    p = result.plan
    live = {c.guid for d in result.build.decks for c in d.cards}
    unsuspended = {c.guid for c in p.unsuspend} & live  # back in the notes: updated, maybe moved too
    updated = {c.guid for c in p.updates} & live - unsuspended
    moved = {m.card.guid for m in p.moves} & live - updated - unsuspended
    kept = {c.guid for c in p.conflicts} & live - moved - unsuspended
    parts = [("add", "added", len(p.adds)), ("update", "updated", len(updated)),
             ("move", "moved", len(moved)), ("unsuspend", "unsuspended", len(unsuspended)),
             ("keep your edit", "kept your edit", len(kept)),
             ("leave deleted", "left deleted", len(p.deleted))]  # fmt: skip
    parts.append(("unchanged", "unchanged", len(live) - sum(n for _, _, n in parts)))
    return parts, [("suspend", "suspended", len(p.suspend)), ("delete", "deleted", len(p.delete))]


def summary(result: PushResult, *, dry_run: bool = False) -> str:
    """`added 3, updated 1, unchanged 7; retired cards: suspended 1`: added, updated and
    unchanged always, the others when there are any."""
    live, retired = tally(result)
    always = ("added", "updated", "unchanged")
    parts = [f"{verb if dry_run else done} {n}" for verb, done, n in live if n or done in always]
    gone = [f"{verb if dry_run else done} {n}" for verb, done, n in retired if n]
    return ", ".join(parts) + (f"; retired cards: {', '.join(gone)}" if gone else "")


def lines(result: PushResult, *, dry_run: bool = False) -> list[str]:
    """The summary line, the plan's details for a dry run, then what push left alone and why."""
    p = result.plan
    head = "would push" if dry_run else "pushed"
    cards = plural(sum(len(d.cards) for d in result.build.decks), "card")
    out = [f"{head} {cards} to {result.target}: {summary(result, dry_run=dry_run)}"]
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
        out.append(f"the lock forgot {plural(result.pruned, 'retired claim')}")
    if result.schedules:
        verb = "would keep" if dry_run else "kept"
        out.append(f"{verb} your Spaced Repetition schedule for {plural(result.schedules, 'new card')} "
                   "(due date, interval, ease)")  # fmt: skip
    if result.unscheduled:
        verb = "would not be" if dry_run else "was not"
        cards = plural(result.unscheduled, "new card")
        out.append(f"your Spaced Repetition schedule {verb} kept for {cards}: only a push into the "
                   "collection file keeps it (--collection or --profile, with Anki closed)")  # fmt: skip
    if result.media:
        out.append(f"media: {plural(result.media, 'file')} in the collection's media folder")
    return out


SCHEMA = "deckgen.push/1"
"""The document kind, under `schema` as in `build --json`; `format`, its old key, is kept for
one release after 0.1.0 and then dropped."""


def document(result: PushResult, *, dry_run: bool = False) -> dict[str, Any]:
    """The `--json` document: counts, and each card push left alone, with its GUID and note ID."""
    p = result.plan

    def cards(xs: Iterable[Card]) -> list[dict[str, Any]]:
        return [{"guid": c.guid, "nid": result.nids.get(c.guid), "question": c.face.question} for c in xs]

    return {
        "schema": SCHEMA, "format": SCHEMA, "target": result.target, "dry_run": dry_run, "plan": p.counts(),
        "conflicts": cards(p.conflicts), "deleted_in_anki": cards(p.deleted),
        "suspended_in_anki": cards(p.kept_suspended), "filed_elsewhere": cards(p.filed),
        "backup": str(result.backup) if result.backup else None, "pruned": result.pruned,
        "media": result.media, "schedules": result.schedules, "schedules_not_kept": result.unscheduled,
        "build": result.build.summary(), "warnings": [str(x) for x in result.problems],
    }  # fmt: skip
