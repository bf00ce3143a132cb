"""A list of `**Term:**` items → "name both" for two real terms, one missing item per card for more.

The items must be terms (see `definition.is_term`), not the note-writer's own headings, and the
list's lead-in must stand on its own: "Instead, future systems might rely more on:" does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..lang import Language
from ..model import BLANK, Block, Candidate, Note, Timestamp
from ..text import slug
from .common import make_candidate as candidate
from .context import RuleContext
from .definition import is_term
from .sentences import first_stamps, needs_referent
from .stems import gives_away
from .weights import LIST_ITEM, LIST_PAIR, MAX_CANDIDATES, MAX_ITEMS

_TOO_MANY = "too many items to ask one by one"


def list_rule(note: Note, block: Block, ctx: RuleContext) -> list[Candidate]:
    """After the last item of a list of two or more `**Term:**` items."""
    if not block.list_last or block.list_size < 2:
        return []
    members = [b for b in note.blocks if b.list_id == block.list_id]
    terms = [b for b in members if b.term]
    if len(terms) < 2:
        return []
    names = tuple(b.term for b in terms)
    lead = block.lead_in.rstrip(": ")
    key = f"list:{slug(lead)[:60]}"
    stamps = [s for b in terms for s in first_stamps(b, ctx.lang)[:1]]
    reject = _fault(names, lead, block, len(members), ctx.lang)

    def make(key: str, question: str, answer: str, context: str, stamps: Iterable[Timestamp],
             reject: str, feature: tuple[str, float], unit: str) -> Candidate:  # fmt: skip
        return candidate(note, block, rule="list", kind="list", claim_kind="list", key=key, question=question,
                         answer=answer, context=context, stamps=stamps, reject=reject, features=[feature],
                         unit=unit, items=names)  # fmt: skip

    if len(names) > MAX_CANDIDATES:
        shown = "; ".join(names[:MAX_ITEMS])
        return [make(key, f"{lead}: {shown}; …", names[0], shown, stamps[:1], _TOO_MANY,
                     ("one missing item of a list", LIST_ITEM), key)]  # fmt: skip
    if len(names) == 2:
        question = ctx.lang.name_both.format(lead=lead)
        pair = ("two real terms", LIST_PAIR)
        return [make(key, question, " · ".join(names), "", stamps, reject, pair, key)]
    return [
        make(f"{key}:{slug(name)}", f"{lead}: " + "; ".join(BLANK if n == name else n for n in names), name,
             "; ".join(names), first_stamps(terms[i], ctx.lang), reject or _item_fault(name, names, ctx.lang),
             ("one missing item of a list", LIST_ITEM), f"{key}:{i}")
        for i, name in enumerate(names)
    ]  # fmt: skip


def _item_fault(name: str, names: tuple[str, ...], lang: Language) -> str:
    others = " ".join(n for n in names if n != name)
    return "the other items give this one away" if gives_away(name, others, lang) else ""


def _fault(names: tuple[str, ...], lead: str, block: Block, members: int, lang: Language) -> str:
    if not lead:
        return "the list has no lead-in to ask about"
    if not block.lead_in.rstrip().endswith(":"):
        return "the sentence before the list does not introduce it"
    if any(re.search(r"[:\"“”]", n) for n in names):
        return "the items are phrases, not terms"
    if len(names) < members:
        return "only some of the items are terms"
    if not all(is_term(n, lang) for n in names):
        return "the items are the note-writer's labels, not terms"
    if len(names) > MAX_ITEMS:
        return _TOO_MANY
    if needs_referent(lead, lang):
        return "the lead-in points back at something it does not name"
    if any(gives_away(n, f"{lead} {' '.join(block.headings)}", lang) for n in names):
        return "the items' words stand in the lead-in or heading"
    return ""
