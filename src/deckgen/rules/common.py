"""What the rules share: a block's sentences, word stems, giveaways, referents and attribution."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import snowballstemmer

from ..lang import ENGLISH, Language, function_words
from ..model import Block, Candidate, Claim, ClaimKind, Note, SourceRef, Timestamp
from ..text import STOPWORDS, WORD, content_words, sentence_spans, slug, truncate_words, words

_STEMMERS = {"en": "english", "es": "spanish", "pt": "portuguese", "de": "german", "fr": "french"}
LANG: ContextVar[Language] = ContextVar("deckgen_note_language", default=ENGLISH)
"""The language of the note the rules are reading: `rules.candidates` sets it for one note, so
that every rule asks in that language and uses that language's word data."""


@functools.cache
def _stemmer(code: str) -> Any:
    return snowballstemmer.stemmer(_STEMMERS[code]) if code in _STEMMERS else None


def english() -> bool:
    """Whether the note is in English: the rules that read English phrasing apply only then."""
    return LANG.get().code == "en"


REFERENT_OPENING = re.compile(
    r"^(?:(?:However|But|And|So|Also|Instead|Still|Yet|Thus|Therefore|Similarly|Likewise|Additionally"
    r"|Furthermore|Moreover|In addition|In contrast|Conversely),?\s+)?"
    r"(?:(?:After|Before|During|From|With|Despite|Following|Beyond|Besides|Given|In|At|For|By|Unlike)\s+"
    r"(?=(?:[Tt]his|[Tt]hese|[Tt]hat|[Tt]hose|[Ss]uch)\b))?"
    r"(?:[Tt]his|[Tt]hese|[Tt]hat|[Tt]hose|It|Its|It's|They|Their|Them|He|She|His|Her|Such|Both|Another|Other|"
    r"Others|One such|The same|The latter|The former|Here|There|Then|[Ss]uch)\b"
)
"""A sentence that opens by pointing back: it needs the sentence before it."""
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


def stem(word: str) -> str:
    """The word's stem in the note's language, lower case (the word itself where there is no stemmer)."""
    return _stem(word.lower(), LANG.get().code)


@functools.lru_cache(maxsize=65536)
def _stem(word: str, code: str) -> str:
    stemmer = _stemmer(code)
    return str(stemmer.stemWord(word)) if stemmer is not None else word


COMMON_ZIPF = 4.2
"""Words at least this frequent (Zipf scale: 4 is once per 10,000 words of English) are everyday
words: a label or a blank made of one of them is rarely worth recalling."""


def zipf(word: str) -> float:
    """How common `word` is in the note's language, on the Zipf scale (wordfreq's data ships in
    its wheel)."""
    return _zipf(word.lower(), LANG.get().code)


@functools.lru_cache(maxsize=65536)
def _zipf(word: str, code: str) -> float:
    if code in _NEEDS_SEGMENTER:
        return 0.0  # wordfreq would need MeCab or jieba to split the word; every word counts as rare
    # Imported here, not at the top: wordfreq takes ~0.15 s to import, which a build whose notes
    # all come from the cache, or a command that makes no cards, need not pay.
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, code))


_NEEDS_SEGMENTER = frozenset(("ja", "zh", "ko"))


def content(text: str) -> set[str]:
    """The content words of `text` in the note's language (its function words left out)."""
    found = content_words(text)
    return found if english() else found - function_words(LANG.get().code)


def common_word(word: str) -> bool:
    """Whether `word` is an everyday English word."""
    return zipf(word) >= COMMON_ZIPF


@functools.lru_cache(maxsize=65536)
def rare_word(word: str) -> bool:
    """Whether `word` is a rare, likely technical word (under once per million words of English)."""
    return len(word) > 3 and not word.isdigit() and zipf(word) < 3.0


def stems(text: str) -> frozenset[str]:
    """Stems of the content words of `text`; a hyphenated word also gives its parts."""
    return _stems(text, LANG.get().code)


@functools.lru_cache(maxsize=16384)
def _stems(text: str, code: str) -> frozenset[str]:
    # Per word, not per text: the texts asked about are mostly new, their words mostly not.
    return frozenset().union(*(_word_stems(w, code) for w in WORD.findall(text)))


# 8192, not more: a cache entry is a few objects the garbage collector walks again and again, and
# with 65536 the reconcile stage after the rules (in one process) took twice as long.
@functools.lru_cache(maxsize=8192)
def _word_stems(word: str, code: str) -> frozenset[str]:
    """One word's stems (with those of its hyphenated parts); none for a function word."""
    w = word.lower()
    if w in STOPWORDS or (code != "en" and w in function_words(code)):
        return frozenset()
    out = {_stem(w, code)}
    if "-" in w:
        out |= {_stem(p.lower(), code) for p in w.split("-") if len(p) > 2}
    return frozenset(out)


def head_stem(answer: str) -> str:
    """The stem of the answer's head word (its last content word: English heads come last)."""
    code = LANG.get().code
    ws = [w for w in words(answer) if _word_stems(w, code)]
    return stem(ws[-1]) if ws else ""


def related(a: str, b: str) -> bool:
    """Two stems of one word family: equal, or long and alike in their first five letters
    ("scienc" and "scientif")."""
    return a == b or (len(a) >= 6 and len(b) >= 6 and a[:5] == b[:5])


def overlap(mine: AbstractSet[str], shown: AbstractSet[str]) -> set[str]:
    """The stems of `mine` that have a relative in `shown` (see `related`)."""
    return _relatives(mine, shown, _families(shown))


def _families(shown: AbstractSet[str]) -> set[str]:
    """The first five letters of the long stems: one set lookup instead of a pass over `shown`."""
    return {s[:5] for s in shown if len(s) >= 6}


def _relatives(mine: AbstractSet[str], shown: AbstractSet[str], families: set[str]) -> set[str]:
    return {m for m in mine if m in shown or (len(m) >= 6 and m[:5] in families)}


def gives_away(answer: str, front: str) -> bool:
    """Whether the answer can be read off the front: its head word's stem is there, or half of
    its stems are."""
    return gives_away_stems(answer, stems(front))


def stems_around(text: str, a: int, b: int) -> frozenset[str]:
    """`stems(f"{text[:a]} {text[b:]}")`: the stems of a sentence but for the span `a:b` (a word
    cut at `a` or `b` gives its piece, as slicing first would)."""
    code = LANG.get().code
    starts, ends, found = _word_table(text, code)
    i = bisect.bisect_right(ends, a)  # words[:i] end by `a`; words[i] may be cut by it
    j = bisect.bisect_left(starts, b)  # words[j:] start at `b` or after; words[j - 1] may be cut
    pieces = [*found[:i], *found[j:]]
    if i < len(starts) and starts[i] < a:
        pieces.append(_word_stems(text[starts[i] : a], code))
    if j > 0 and ends[j - 1] > b:
        pieces.append(_word_stems(text[b : ends[j - 1]], code))
    return frozenset().union(*pieces)


@functools.lru_cache(maxsize=256)
def _word_table(
    text: str, code: str
) -> tuple[list[int], list[int], tuple[frozenset[str], ...]]:  # fmt: skip
    """Where each word of `text` starts and ends, and its stems: found once per sentence, for
    each blank tried in it."""
    spans = [m.span() for m in WORD.finditer(text)]
    found = tuple(_word_stems(text[s:e], code) for s, e in spans)
    return [s for s, _ in spans], [e for _, e in spans], found


def front_stems(*parts: str) -> frozenset[str]:
    """`stems` of the parts joined by spaces (no word spans a space), each part's looked up once."""
    return frozenset().union(*map(stems, parts))


def gives_away_stems(answer: str, shown: AbstractSet[str]) -> bool:
    """`gives_away` with the front's stems already found."""
    mine = stems(answer)
    if not mine:
        return True
    head = head_stem(answer)
    if head in shown:
        return True
    families = _families(shown)
    if _relatives({head}, shown, families):
        return True
    return len(_relatives(mine, shown, families)) * 2 >= len(mine) and len(mine) > 1


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a block with the moments that stood in or right after it."""

    text: str
    stamps: tuple[Timestamp, ...]
    index: int


def block_sentences(block: Block) -> list[Sentence]:
    """The block's sentences, each with the timestamps that stood in or right after it."""
    return list(_block_sentences(block.text, block.stamps))


@functools.lru_cache(maxsize=256)
def _block_sentences(text: str, stamps: tuple[tuple[int, Timestamp], ...]) -> tuple[Sentence, ...]:
    # Cached: each rule asks for the same block's sentences in turn.
    out: list[Sentence] = []
    spans = sentence_spans(text)
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


def first_stamps(block: Block) -> tuple[Timestamp, ...]:
    """The first moment of a block dates it, even when its first sentence has none."""
    return next((s.stamps for s in block_sentences(block) if s.stamps), ())


def antecedent(sentences: list[str], index: int) -> str:
    """The nearest sentence before `index` that stands on its own, at most `REACH` back ('' when
    there is none): what "This…" points back at. Further back, which thing is meant is a guess."""
    for before in reversed(sentences[max(0, index - REACH) : index]):
        if not needs_referent(before):
            return before
    return ""


REACH = 2
"""How many sentences back a pronoun may find its antecedent."""


def needs_referent(sentence: str) -> bool:
    """Whether the sentence opens by pointing back at something said before (English)."""
    return english() and bool(REFERENT_OPENING.match(sentence))


def inner_referent(sentence: str) -> bool:
    """Whether the sentence leans on a pronoun it does not resolve ("this alone")."""
    if not english():
        return False
    if _CLAUSE_PRONOUN.match(sentence):
        return True
    opening = REFERENT_OPENING.match(sentence)  # an opening pointer is needs_referent's
    return bool(_INNER_REFERENT.search(sentence, opening.end() if opening else 1))


def hedged(sentence: str) -> bool:
    """An opinion or forecast that does not say whose it is (read in English notes only)."""
    return english() and bool(_HEDGE.search(sentence)) and not _ATTRIBUTED.search(sentence)


@functools.lru_cache(maxsize=1024)
def _speaker_of(intro: str) -> str:
    m = _SPEAKER.search(intro)
    return (m.group(1) or m.group(2) or "").strip(" .") if m else ""


_HANDLE = re.compile(r"[._@/]|\d")


def speaker(note: Note) -> str:
    """Who holds the note's opinions: named in its introduction, else its source when that is a
    name ("The Dwarkesh Podcast", not a handle like "jcs"); '' when nobody is named."""
    intro = " ".join(b.text for b in note.blocks[:3] if b.kind == "paragraph")
    source = note.source_name
    named = any(ch.isupper() for ch in source) and not _HANDLE.search(source)
    return _speaker_of(intro) or (source if named else "")


def attribute(sentence: str, holder: str) -> str:
    """`According to {holder}, …` for an unattributed opinion or forecast."""
    if not holder or not hedged(sentence):
        return sentence
    first = sentence.split(" ", 1)[0]
    lower = first.lower() if first[:1].isupper() and first[1:].islower() and len(first) > 1 else first
    return f"{LANG.get().according.format(holder=holder)}{lower}{sentence[len(first) :]}"


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
        lead=truncate_words(lead, 40), section=block.headings,
        timestamps=tuple(dict.fromkeys(stamps)), links=block.links,
        source=SourceRef(note.path, block.line), items=items,
    )  # fmt: skip
    return Candidate(claim, rule, kind, tuple(features), reject, unit or f"{block.line}")


def sentence_key(text: str) -> str:
    """The key of a claim made from one sentence: the sentence itself."""
    return f"sent:{slug(text)[:80]}"
