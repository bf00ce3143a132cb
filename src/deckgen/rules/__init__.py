"""`Note` → candidate claims, by an ordered list of small rules (as markdown-it-py's `rules_block/`).

Every rule has one signature, `(note, block, context) -> list[Candidate]`, and proposes what it
can, rejected candidates included (with the reason, for `preview --why`); the context holds the
note's language and the settings (`rules/context.py`). `rank.py` then chooses. Add a rule by
writing a module here and naming its function in `RULES`. Every weight and threshold is named in
`rules/weights.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from ..lang import Language
from ..model import FORCE, SKIP, Block, Candidate, Claim, Note, Timestamp
from ..notes.cardtext import plain
from ..text import sentence_spans
from .common import MARKUP, NARRATIVE
from .context import DEFAULT_FLASHCARDS, Flashcards, RuleContext, rule_context
from .definition import definition_rule
from .definitional import definitional_rule
from .explicit import covered_lines, explicit_candidates, is_explicit
from .lists import list_rule
from .sentence import sentence_rule
from .stems import content
from .weights import DUPLICATE_SIMILARITY, WRITTEN_SIMILARITY

Rule = Callable[[Note, Block, RuleContext], list[Candidate]]
RULES: tuple[Rule, ...] = (definition_rule, definitional_rule, sentence_rule, list_rule)
"""Applied in this order to every block; the order is the order of cards from one block."""

__all__ = ["RULES", "Flashcards", "Rule", "RuleContext", "candidates", "rule_context"]


def candidates(
    note: Note, rules: tuple[Rule, ...] = RULES, flashcards: Flashcards = DEFAULT_FLASHCARDS
) -> tuple[Candidate, ...]:
    """Every candidate of a note: the cards its author wrote first, then the generated ones in
    reading order; near-duplicates (of a written card too) are rejected. The rules ask in the
    note's language (front matter `lang`, else detected)."""
    ctx = rule_context(note, flashcards)
    found = explicit_candidates(note, flashcards)
    spans = covered_lines(note, found)
    moment = next((t for b in note.blocks for _, t in b.stamps), None)  # the note's first
    for block in (_steered(b, ctx.lang) for b in note.blocks):
        chapter = block is not None and block.kind == "chapter"  # a moment, never a card
        if block is not None and not chapter and not any(a <= block.line <= b for a, b in spans):
            made = _cover(block, [_clean(c, note, ctx) for rule in rules for c in rule(note, block, ctx)])
            found += [_dated(c, moment) for c in made]
        moment = block.stamps[-1][1] if block is not None and block.stamps else moment
    return tuple(_dedupe(found, ctx.lang))


def _clean(c: Candidate, note: Note, ctx: RuleContext) -> Candidate:
    """Whatever the rule, a card never shows markup the note left open (a broken anchor)."""
    shown = " ".join((note.title, *c.claim.section, c.claim.lead, c.claim.question, c.claim.answer))
    if c.reject:
        return c
    if MARKUP.search(shown):
        return replace(c, reject="it would show markup the note did not close")
    if ctx.lang.english and NARRATIVE.search(c.claim.lead):
        return replace(c, reject="its lead-in is about the recording, not the subject")
    return c


def _steered(block: Block, lang: Language) -> Block | None:
    """The block as the note steered it: None for `%% deckgen: skip %%`; the sentences before a
    `%% deckgen: card %%` marked forced. The markers leave the text (stamps keep their place)."""
    if SKIP in block.text:
        return None
    if FORCE not in block.text:
        return block
    text, marks, where = "", [], []  # the text without markers; each marker's place in it and before
    for i, ch in enumerate(block.text):
        if ch == FORCE:
            marks.append(len(text))
            where.append(i)
        else:
            text += ch
    shift = [sum(w < off for w in where) for off, _ in block.stamps]
    stamps = tuple((off - k, t) for (off, t), k in zip(block.stamps, shift, strict=True))
    spans = sentence_spans(text, lang.english)
    forced = tuple(i for i, (a, b) in enumerate(spans) if any(a < m <= b for m in marks))
    return replace(block, text=text, stamps=stamps, forced=forced)


def _dated(c: Candidate, moment: Timestamp | None) -> Candidate:
    """In a timestamped note every card links a moment: one without its own gets the last moment
    before it (the text it stands in was said then or just after)."""
    if c.claim.timestamps or moment is None:
        return c
    return replace(c, claim=replace(c.claim, timestamps=(moment,)))


def _cover(block: Block, found: list[Candidate]) -> list[Candidate]:
    """A block's moments that no candidate carries go to its first good one: none is lost."""
    carried = {t for c in found for t in c.claim.timestamps}
    missing = tuple(t for _, t in block.stamps if t not in carried)
    at = next((i for i, c in enumerate(found) if not c.reject), None)
    if at is None or not missing:
        return found
    first = found[at]
    claim = replace(first.claim, timestamps=tuple(dict.fromkeys(first.claim.timestamps + missing)))
    return [*found[:at], replace(first, claim=claim), *found[at + 1 :]]


def _prefix(words: set[str]) -> list[str]:
    """Two word sets overlapping more than DUPLICATE_SIMILARITY share a word among these
    first few of each (prefix filtering): only candidates that do need to be compared."""
    ordered = sorted(words)
    return ordered[: len(ordered) - math.ceil(DUPLICATE_SIMILARITY * len(ordered)) + 1]


def _dedupe(found: list[Candidate], lang: Language) -> list[Candidate]:
    """Reject near-duplicates of an earlier good candidate; give a repeated key a number."""
    out: list[Candidate] = []
    kept: list[tuple[Claim, set[str]]] = []
    index: dict[tuple[str, str], list[int]] = {}
    keys: dict[str, int] = {}
    authored: list[tuple[Claim, set[str]]] = []
    for c in found:
        n = keys[c.claim.key] = keys.get(c.claim.key, 0) + 1
        if n > 1:
            c = replace(c, claim=replace(c.claim, key=f"{c.claim.key}#{n}"))
        if c.reject or c.claim.kind == "list":
            out.append(c)
            continue
        written = is_explicit(c)  # kept as written; a generated card that repeats one is dropped
        text = f"{c.claim.question} {c.claim.answer}"
        mine = content(plain(text) if written else text, lang)  # its words, without Markdown marks
        probes = [("*" if written else c.claim.kind, w) for w in _prefix(mine)]
        twin = None  # a written card is never a twin: its neighbours are not looked up (slow when alike)
        if not written:
            near = sorted({i for p in [*probes, *(("*", w) for _, w in probes)] for i in index.get(p, ())})
            twin = next((kept[i][0] for i in near if _similar(kept[i][1], mine)), None)
        if twin is None and not written:  # a written card is met more loosely: the note says it twice
            twin = next((w for w, e in authored if _repeats(mine, e)), None)
        if written:
            authored.append((c.claim, mine))
        if twin is not None:
            c = replace(c, reject=f"repeats the card of line {twin.source.line}")
        else:
            for p in probes:
                index.setdefault(p, []).append(len(kept))
            kept.append((c.claim, mine))
        out.append(c)
    return out


def _similar(a: set[str], b: set[str]) -> bool:
    small, large = sorted((len(a), len(b)))
    if not small or small < DUPLICATE_SIMILARITY * large:  # the overlap cannot reach the threshold
        return False
    return len(a & b) / len(a | b) > DUPLICATE_SIMILARITY


def _repeats(mine: set[str], written: set[str]) -> bool:
    """Whether a generated candidate's words repeat a hand-written card's."""
    return bool(mine) and len(mine & written) >= WRITTEN_SIMILARITY * len(mine | written)
