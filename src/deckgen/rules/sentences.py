"""A block's sentences with their moments, and referents: whether a sentence points back at
something said before ("This training…") and which sentence it points at."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..lang import Language
from ..model import Block, Timestamp
from ..text import sentence_spans
from .weights import REACH

REFERENT_OPENING = re.compile(
    r"^(?:(?:However|But|And|So|Also|Instead|Still|Yet|Thus|Therefore|Similarly|Likewise|Additionally"
    r"|Furthermore|Moreover|In addition|In contrast|Conversely),?\s+)?"
    r"(?:(?:After|Before|During|From|With|Despite|Following|Beyond|Besides|Given|In|At|For|By|Unlike)\s+"
    r"(?=(?:[Tt]his|[Tt]hese|[Tt]hat|[Tt]hose|[Ss]uch)\b))?"
    r"(?:[Tt]his|[Tt]hese|[Tt]hat|[Tt]hose|It|Its|It's|They|Their|Them|He|She|His|Her|Such|Both|Another|Other|"
    r"Others|One such|The same|The latter|The former|Here|There|Then|[Ss]uch)\b"
)
"""A sentence that opens by pointing back: it needs the sentence before it (English)."""
_INNER_REFERENT = re.compile(
    r"\b(?:this|these|those)\s+(?:alone|is|was|are|were|means|meant|does|did|will|would|can|could|"
    r"might|may|should|has|had|have)\b|\b(?:this|these|those|them)\s*[.!?]?$"
    r"|\bthis\s+[\"“]?(?!(?:context|way|point|time|day|year|week|month|era|sense|regard)\b)[a-z]+",
    re.I,
)
"""A demonstrative used as a pronoun inside the sentence ("this alone will not…"), or pointing at
one thing said before ("automates this process")."""
_CLAUSE_PRONOUN = re.compile(r"^[^,]{0,60},\s+(?:it|he|she|they|its|his|her|their)\b")
"""A pronoun right after an opening clause: "Created by a teacher, it gained…"."""


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a block with the moments that stood in or right after it."""

    text: str
    stamps: tuple[Timestamp, ...]
    index: int


def block_sentences(block: Block, lang: Language) -> list[Sentence]:
    """The block's sentences, each with the timestamps that stood in or right after it."""
    return list(_block_sentences(block.text, block.stamps, lang.english))


@functools.lru_cache(maxsize=256)
def _block_sentences(
    text: str, stamps: tuple[tuple[int, Timestamp], ...], english: bool
) -> tuple[Sentence, ...]:
    # Cached: each rule asks for the same block's sentences in turn.
    out: list[Sentence] = []
    spans = sentence_spans(text, english)
    pending = list(stamps)  # sorted by offset, like the spans: walk both once
    at = 0
    for i, (a, b) in enumerate(spans):
        last = i == len(spans) - 1
        start = at
        while at < len(pending) and (pending[at][0] < b or last):
            at += 1
        found = tuple(t for off, t in pending[start:at] if off >= a or last)
        if sentence := text[a:b].strip():
            out.append(Sentence(sentence, found, len(out)))
    return tuple(out)


def first_stamps(block: Block, lang: Language) -> tuple[Timestamp, ...]:
    """The first moment of a block dates it, even when its first sentence has none."""
    return next((s.stamps for s in block_sentences(block, lang) if s.stamps), ())


def antecedent(sentences: list[str], index: int, lang: Language) -> str:
    """The nearest sentence before `index` that stands on its own, at most `REACH` back ('' when
    there is none): what "This…" points back at."""
    for before in reversed(sentences[max(0, index - REACH) : index]):
        if not needs_referent(before, lang):
            return before
    return ""


def needs_referent(sentence: str, lang: Language) -> bool:
    """Whether the sentence opens by pointing back at something said before (English notes)."""
    return lang.english and bool(REFERENT_OPENING.match(sentence))


def inner_referent(sentence: str, lang: Language) -> bool:
    """Whether the sentence leans on a pronoun it does not resolve ("this alone"; English notes)."""
    if not lang.english:
        return False
    if _CLAUSE_PRONOUN.match(sentence):
        return True
    opening = REFERENT_OPENING.match(sentence)  # an opening pointer is needs_referent's
    return bool(_INNER_REFERENT.search(sentence, opening.end() if opening else 1))
