"""What every rule shares to make a candidate: its claim placed in the note, its key, and the
text no card may show (markup left open, talk about the recording)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import Block, Candidate, Claim, ClaimKind, Note, SourceRef, Timestamp
from ..text import slug, truncate_words
from .weights import MAX_LEAD_WORDS

NARRATIVE = re.compile(
    r"\b(?:the (?:speaker|host|hosts|guest|interviewer|narrator|presenter|video|episode|podcast|"
    r"article|talk|lecture|transcript)s?\b|(?:this|the) (?:video|episode|podcast|article|talk|lecture|"
    r"transcript|clip|recording|note|summary|section)\b|(?:he|she|they) (?:says|said|mentions|mentioned|"
    r"jokes|joked|laughs|laughed)|in (?:this|the) (?:video|episode|conversation|discussion|interview))",
    re.I,
)
"""Talk about the recording itself is not knowledge."""
MARKUP = re.compile(r"\[!|\[\[|\]\]|yt-timestamp|data-t=|\*\*")
"""Markup that only survives in text when the note left it open."""


def topic_text(note: Note, block: Block) -> str:
    """What the card's topic line shows: part of its front."""
    return " ".join((note.title, *block.headings))


def make_candidate(
    note: Note, block: Block, *, rule: str, kind: str, claim_kind: ClaimKind, key: str, question: str,
    answer: str, context: str, lead: str = "", stamps: Iterable[Timestamp] = (),
    features: Iterable[tuple[str, float]] = (), reject: str = "", unit: str = "",
    items: tuple[str, ...] = (),
) -> Candidate:  # fmt: skip
    """A candidate with its claim, placed in its note."""
    claim = Claim(
        kind=claim_kind, key=key, question=question, answer=answer, context=context,
        lead=truncate_words(lead, MAX_LEAD_WORDS), section=block.headings,
        timestamps=tuple(dict.fromkeys(stamps)), links=block.links,
        source=SourceRef(note.path, block.line), items=items,
    )  # fmt: skip
    return Candidate(claim, rule, kind, tuple(features), reject, unit or f"{block.line}")


def sentence_key(text: str) -> str:
    """The key of a claim made from one sentence: the sentence itself."""
    return f"sent:{slug(text)[:80]}"
