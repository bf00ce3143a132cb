"""Who holds a note's opinions, and "According to {holder}, …" for an opinion or forecast that
does not say whose it is (DESIGN.md's check 7)."""

from __future__ import annotations

import functools
import re

from ..lang import Language
from ..model import Note
from .weights import INTRO_BLOCKS

_HEDGE = re.compile(
    r"\b(?:will|won't|could|might|expects?|expected|anticipated|anticipates?|predicts?|predicted|"
    r"argues?|argued|believes?|believed|likely|unlikely|probably|perhaps|forecasts?|speculates?|"
    r"envisions?)\b",
    re.I,
)
"""Opinions and forecasts: they must say who holds them."""
_ATTRIBUTED = re.compile(
    r"\b(?:according to|says|said|notes|noted|suggests|suggested|argues|argued|believes|believed|"
    r"thinks|thought|claims|claimed|states|stated|explains|explained|points out|emphasi[sz]es|"
    r"highlights|contends|predicts|expects|warns|warned|recalls|describes|proposes|proposed)\b",
    re.I,
)
_SPEAKER = re.compile(
    r"\b(?:insights?|views?|ideas?|thoughts?|perspectives?|comments?|conversation|interview|talk|lecture|"
    r"discussion|remarks|work|research)\s+(?:from|of|by|with)\s+"
    r"((?:[A-Z][\w'’.-]+)(?:\s+(?:de|van|von|da|del|bin)?\s*[A-Z][\w'’-]+){1,2})"
    r"|\b(?:according to|featuring|guest|speaker|host|interview with)\s+"
    r"((?:[A-Z][\w'’.-]+)(?:\s+[A-Z][\w'’-]+){1,2})"
)
"""Who speaks, as a note's introduction usually says it."""
_HANDLE = re.compile(r"[._@/]|\d")


def hedged(sentence: str, lang: Language) -> bool:
    """An opinion or forecast that does not say whose it is (read in English notes only)."""
    return lang.english and bool(_HEDGE.search(sentence)) and not _ATTRIBUTED.search(sentence)


@functools.lru_cache(maxsize=1024)
def _speaker_of(intro: str) -> str:
    m = _SPEAKER.search(intro)
    return (m.group(1) or m.group(2) or "").strip(" .") if m else ""


def speaker(note: Note) -> str:
    """Who holds the note's opinions: named in its introduction, else its source when that is a
    name ("The Dwarkesh Podcast", not a handle like "jcs"); '' when nobody is named."""
    intro = " ".join(b.text for b in note.blocks[:INTRO_BLOCKS] if b.kind == "paragraph")
    source = note.source_name
    named = any(ch.isupper() for ch in source) and not _HANDLE.search(source)
    return _speaker_of(intro) or (source if named else "")


def attribute(sentence: str, holder: str, lang: Language) -> str:
    """`According to {holder}, …` (in `lang`) for an unattributed opinion or forecast."""
    if not holder or not hedged(sentence, lang):
        return sentence
    first = sentence.split(" ", 1)[0]
    lower = first.lower() if first[:1].isupper() and first[1:].islower() and len(first) > 1 else first
    return f"{lang.according.format(holder=holder)}{lower}{sentence[len(first) :]}"
