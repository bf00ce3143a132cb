"""Which card is which across builds: fingerprints, GUID reuse across edits, and the plan.

A claim keeps its GUID while its note keeps its path *or* its identity (video and title), and
while the claim keeps its key (the definition's term, the list's lead-in, the sentence) or
stays similar enough to an unmatched claim of the previous build. Everything else is new or
retired. The functions here are pure: `lockfile.py` reads and writes the lock.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from html import escape

from ..cards import render
from ..cards.claims import Draft, NoteClaims, claim_text
from ..cards.faces import make_card
from ..model import BLANK, Card, Change, Claim, Face, Note, Plan
from ..text import content_words, slug

SIMILARITY = 0.5
"""Two claims of one note and kind whose words overlap at least this much (Jaccard) are the
same claim, edited; below it the old one is retired and the new one added."""

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def note_identity(note: Note) -> str:
    """The note's video and title: unchanged by moving the file or editing its text."""
    return f"{note.video_id}/{slug(note.title)}"


def fingerprint(note: Note, claim: Claim) -> str:
    """The claim's identity: its note plus its key within the note (never the build time)."""
    return f"{note_identity(note)}/{claim.key}"


def guid_for(fingerprint: str) -> str:
    """A GUID derived only from the fingerprint."""
    n = int.from_bytes(hashlib.sha256(fingerprint.encode("utf-8")).digest()[:9], "big")
    out = []
    for _ in range(12):
        n, r = divmod(n, len(_ALPHABET))
        out.append(_ALPHABET[r])
    return "dg" + "".join(out)


HASH_VERSION = "h2"
"""Prefix of content hashes made from plain `Face` fields; a lock hash without it was made by
deckgen 0.1.0 from the rendered HTML, and is compared with `legacy_hash` instead."""


def content_hash(face: Face) -> str:
    """What a learner sees of the card: a change here must reach Anki. The deck is not part of
    it: Anki never moves an imported card, so a new deck is a move, reported apart, not an update."""
    values = _plain(replace(face, deck=""))
    assert isinstance(values, list)
    if not face.markdown:  # added after the recipe: a generated card's hash stays what it was
        values.pop(_MARKDOWN_AT)
    data = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return f"{HASH_VERSION}:{hashlib.sha256(data.encode('utf-8')).hexdigest()[:16]}"


_MARKDOWN_AT = [f.name for f in dataclasses.fields(Face)].index("markdown")


def _plain(value: object) -> object:
    """`value` as JSON sees `dataclasses.astuple(value)` (the recipe of the stored hashes),
    without its deep copy, which cost a rebuild half its reconcile time."""
    if names := _field_names(type(value)):
        return [_plain(getattr(value, name)) for name in names]
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _field_names(kind: type) -> tuple[str, ...]:
    """The field names of a dataclass, in order; () for any other type."""
    if (names := _FIELDS.get(kind)) is None:
        names = _FIELDS[kind] = (
            tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else ()
        )
    return names


_FIELDS: dict[type, tuple[str, ...]] = {}


_LEGACY_BLANK = '<span class="blank">_____</span>'


def legacy_hash(face: Face, note_path: str, status: str = "") -> str:
    """The hash deckgen 0.1.0 stored for this face: its HTML fields, rendered exactly as 0.1.0
    rendered them (frozen here: `render.py` may change, this must not)."""
    lead = f'<div class="lead">{escape(face.lead)}</div>' if face.lead else ""
    question = lead + escape(face.question).replace(BLANK, _LEGACY_BLANK)
    topic = " › ".join(p for p in (face.title, *face.section) if p)
    parts = (question, escape(face.answer), escape(face.context), escape(topic),
             repr(tuple((t.label, t.url) for t in face.timestamps)),
             escape(face.source or note_path), " ".join(face.tags), status)  # fmt: skip
    return hashlib.sha256("\x1f".join(render.safe_html(p) for p in parts).encode("utf-8")).hexdigest()[:16]


def same_content(stored: str, face: Face, note_path: str, current: str = "") -> bool:
    """Whether the lock's hash `stored` is this face's, whichever version wrote it (`current`:
    its `content_hash`, when already known)."""
    if stored.startswith(f"{HASH_VERSION}:"):
        return stored == (current or content_hash(face))
    return stored == legacy_hash(face, note_path)


@dataclass(frozen=True, slots=True)
class Entry:
    """One claim as the lock remembers it."""

    guid: str
    key: str
    kind: str
    hash: str
    mtime: int
    deck: str
    question: str
    """Plain text, so that the lock reads well and a retired card can still be shown."""
    answer: str
    ranked_out: bool = False
    """The claim is still in its note but no longer ranks among its cards; the learner keeps
    the card until `deckgen prune --ranked-out`."""


@dataclass(frozen=True, slots=True)
class NoteEntry:
    """One note as the lock remembers it."""

    path: str
    identity: str
    sha256: str
    claims: tuple[Entry, ...] = ()
    retired: tuple[Entry, ...] = ()


@dataclass(slots=True)
class Taken:
    """The GUIDs a new claim must not get: those of the lock (`guids`, or asked of `held` when
    the lock is read per note) and those given in this build (`minted`)."""

    guids: set[str] = field(default_factory=set)
    held: Callable[[str], bool] | None = None
    minted: list[str] = field(default_factory=list)

    def fresh(self, fp: str) -> str:
        """A GUID for a new claim that no live or retired claim holds."""
        guid, n = guid_for(fp), 1
        while guid in self.guids or (self.held is not None and self.held(guid)):
            n += 1
            guid = guid_for(f"{fp}#{n}")
        self.guids.add(guid)
        self.minted.append(guid)
        return guid


def _words(question: str, answer: str) -> set[str]:
    return content_words(claim_text(question, answer))


def _similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def match(drafts: Sequence[Draft], old: Iterable[Entry]) -> dict[int, Entry]:
    """Pair new claims (by index) with old entries of the same note: by key, then by similarity."""
    pairs: dict[int, Entry] = {}
    left = {(e.kind, e.key): e for e in old}
    for i, (claim, _) in enumerate(drafts):
        if (e := left.pop((claim.kind, claim.key), None)) is not None:
            pairs[i] = e
    candidates = []
    for i, (claim, _) in enumerate(drafts):
        if i in pairs or not any(e.kind == claim.kind for e in left.values()):
            continue  # (a new note has no old entries to compare its claims' words with)
        words = _words(claim.question, claim.answer)
        for e in left.values():
            if e.kind == claim.kind:
                score = _similarity(words, _words(e.question, e.answer))
                if score >= SIMILARITY:
                    candidates.append((-score, i, e.key, e))
    used: set[str] = set()
    for _, i, key, e in sorted(candidates, key=lambda c: c[:3]):
        if i not in pairs and key not in used:
            pairs[i] = e
            used.add(key)
    return pairs


def reconcile(
    note_claims: Sequence[NoteClaims],
    old_notes: Sequence[NoteEntry],
    now: int,
    keep: Iterable[str] = (),
) -> tuple[list[Card], list[NoteEntry], Plan]:
    """Give every card its GUID and mtime from the lock; retire what left the notes.
    Notes whose path is in `keep` (unreadable this time) keep their lock entries as they were."""
    taken = Taken({e.guid for n in old_notes for e in (*n.claims, *n.retired)})
    by_path = {n.path: n for n in old_notes}
    by_id: dict[str, list[NoteEntry]] = {}
    for n in old_notes:
        by_id.setdefault(n.identity, []).append(n)
    used = set(keep) & set(by_path)
    present = {nc.note.path for nc in note_claims} | used
    out_cards: list[Card] = []
    entries: list[NoteEntry] = [by_path[p] for p in sorted(used)]
    changes: list[Change] = []
    unchanged = 0
    for nc in note_claims:
        note = nc.note
        ident = note_identity(note)
        old = by_path.get(note.path) if note.path not in used else None
        if old is None:  # renamed or moved file: same video and title, old path gone
            old = next(
                (n for n in by_id.get(ident, []) if n.path not in present and n.path not in used), None
            )
        if old is not None:
            used.add(old.path)
        new_cards, entry, note_changes, same = reconcile_note(nc, ident, old, taken, now)
        unchanged += same
        out_cards += new_cards
        entries.append(entry)
        changes += note_changes
    for n in old_notes:  # deleted notes: all their claims retire
        if n.path not in used:
            gone = tuple(replace(e, mtime=max(now, e.mtime + 1)) for e in n.claims) + n.retired
            changes += [Change("retired", e.deck, e.question, n.path) for e in n.claims]
            entries.append(replace(n, claims=(), retired=gone))
    entries.sort(key=lambda n: n.path)
    return out_cards, entries, Plan(tuple(changes), unchanged)


def reconcile_note(
    nc: NoteClaims, ident: str, old: NoteEntry | None, taken: Taken, now: int
) -> tuple[list[Card], NoteEntry, list[Change], int]:
    """One note's cards, its lock entry, its changes and how many cards stay as they were;
    `old` is its entry in the lock (None for a new note), `ident` its `note_identity`."""
    note = nc.note
    same = 0
    live, gone = (old.claims, old.retired) if old else ((), ())
    pairs = match(nc.kept, (*live, *gone))  # a retired claim may come back
    matched = {e.guid for e in pairs.values()}
    left = [e for e in live if e.guid not in matched]
    spare_pairs = match(nc.spare, left)  # ranked out, but the learner already has its card
    matched |= {e.guid for e in spare_pairs.values()}
    out: list[Card] = []
    entries: list[Entry] = []
    changes: list[Change] = []
    was_retired = {e.guid for e in gone}
    for drafts, found, ranked_out in ((nc.kept, pairs, False), (nc.spare, spare_pairs, True)):
        for i, (claim, face) in enumerate(drafts):
            prev = found.get(i)
            if ranked_out and prev is None:
                continue
            back = prev is not None and prev.guid in was_retired
            card, entry, change = _identify(note, claim, face, prev, taken, now, back)
            out.append(card)
            entries.append(replace(entry, ranked_out=ranked_out))
            changes += change
            same += not ranked_out and not any(c.action in ("added", "changed", "moved") for c in change)
            if ranked_out:
                changes.append(Change("ranked_out", face.deck, entry.question, note.path, line=card.line))
    drafted = {claim_text(c.question, c.answer or c.context) for c, _ in (*nc.kept, *nc.spare)}
    still = [e for e in left if e.guid not in matched and _still_there(e, nc.present, drafted)]
    entries += [replace(e, ranked_out=True) for e in still]  # in the learner's deck; not in the package
    changes += [Change("ranked_out", e.deck, e.question, note.path) for e in still]
    kept = matched | {e.guid for e in still}
    newly = [e for e in live if e.guid not in kept]
    changes += [Change("retired", e.deck, e.question, note.path) for e in newly]
    retired = tuple(replace(e, mtime=max(now, e.mtime + 1)) for e in newly)
    retired += tuple(e for e in gone if e.guid not in matched)
    return out, NoteEntry(note.path, ident, note.digest, tuple(entries), retired), changes, same


def _identify(
    note: Note, claim: Claim, face: Face, prev: Entry | None, taken: Taken, now: int, back: bool = False
) -> tuple[Card, Entry, list[Change]]:
    """One claim's card: its old GUID when it had one, a newer mtime when its content changed or
    it comes `back` from retirement (the learner's copy says retired: Anki must take the new one)."""
    guid = prev.guid if prev else taken.fresh(fingerprint(note, claim))
    digest = content_hash(face)
    if prev is None:
        action, mtime = "added", now
    elif back or not same_content(prev.hash, face, note.path, digest):
        action, mtime = "changed", max(now, prev.mtime + 1)  # strictly newer, so Anki applies it
    else:
        action, mtime = "unchanged", prev.mtime
    question = render.plain_question(claim.question)
    changes = []
    line = claim.source.line
    if prev is not None and prev.deck != face.deck:
        changes.append(Change("moved", face.deck, question, note.path, prev.deck, line))
    if action != "unchanged":
        changes.append(Change(action, face.deck, question, note.path, line=line))
    entry = Entry(guid, claim.key, claim.kind, digest, mtime, face.deck, question, claim.answer)
    return make_card(note, claim, face, guid, mtime), entry, changes


def _still_there(entry: Entry, present: Sequence[str], drafted: set[str]) -> bool:
    """Whether a lock entry's claim still stands in its note: its key or its very text is a
    candidate's, or its text is like that of a candidate no card was drafted from (a claim the
    rules no longer draft). A drafted text was offered to `match`, which pairs a reworded claim
    with its old card: when it went to another card, it is that card's near-twin, and must not
    keep a deleted claim alive."""
    if entry.key in present:
        return True
    words = _words(entry.question, entry.answer)
    return any(
        _similarity(words, content_words(text)) >= SIMILARITY for text in present if text not in drafted
    )
