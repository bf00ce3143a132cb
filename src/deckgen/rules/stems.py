"""Word stems in the note's language, and giveaways: whether a card's answer can be read on its
front (its head word's stem, or half of its stems, are shown there)."""

from __future__ import annotations

import bisect
import functools
from collections.abc import Set as AbstractSet
from typing import Any

import snowballstemmer

from ..lang import Language, function_words
from ..text import STOPWORDS, WORD, words
from .weights import FAMILY_PREFIX, FAMILY_STEM

_STEMMERS = {"en": "english", "es": "spanish", "pt": "portuguese", "de": "german", "fr": "french"}


@functools.cache
def _stemmer(code: str) -> Any:
    return snowballstemmer.stemmer(_STEMMERS[code]) if code in _STEMMERS else None


def stem(word: str, lang: Language) -> str:
    """The word's stem in `lang`, lower case (the word itself where there is no stemmer)."""
    return _stem(word.lower(), lang.code)


@functools.lru_cache(maxsize=65536)
def _stem(word: str, code: str) -> str:
    stemmer = _stemmer(code)
    return str(stemmer.stemWord(word)) if stemmer is not None else word


def stopwords(lang: Language) -> frozenset[str]:
    """`lang`'s function words: deckgen's own list for English, wordfreq's 60 most frequent words
    for the others."""
    return STOPWORDS if lang.english else function_words(lang.code)


def content(text: str, lang: Language) -> set[str]:
    """The lower-cased content words of `text` in `lang` (its function words left out)."""
    stop = stopwords(lang)
    return {w for w in (x.lower() for x in words(text)) if w not in stop}


def stems(text: str, lang: Language) -> frozenset[str]:
    """Stems of the content words of `text`; a hyphenated word also gives its parts."""
    return _stems(text, lang.code)


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
    if w in (STOPWORDS if code == "en" else function_words(code)):
        return frozenset()
    out = {_stem(w, code)}
    if "-" in w:
        out |= {_stem(p.lower(), code) for p in w.split("-") if len(p) > 2}
    return frozenset(out)


def head_stem(answer: str, lang: Language) -> str:
    """The stem of the answer's head word (its last content word: English heads come last)."""
    ws = [w for w in words(answer) if _word_stems(w, lang.code)]
    return stem(ws[-1], lang) if ws else ""


def related(a: str, b: str) -> bool:
    """Two stems of one word family: equal, or long and alike in their first five letters
    ("scienc" and "scientif")."""
    return a == b or (
        len(a) >= FAMILY_STEM and len(b) >= FAMILY_STEM and a[:FAMILY_PREFIX] == b[:FAMILY_PREFIX]
    )


def overlap(mine: AbstractSet[str], shown: AbstractSet[str]) -> set[str]:
    """The stems of `mine` that have a relative in `shown` (see `related`)."""
    return _relatives(mine, shown, _families(shown))


def _families(shown: AbstractSet[str]) -> set[str]:
    """The first five letters of the long stems: one set lookup instead of a pass over `shown`."""
    return {s[:FAMILY_PREFIX] for s in shown if len(s) >= FAMILY_STEM}


def _relatives(mine: AbstractSet[str], shown: AbstractSet[str], families: set[str]) -> set[str]:
    return {m for m in mine if m in shown or (len(m) >= FAMILY_STEM and m[:FAMILY_PREFIX] in families)}


def gives_away(answer: str, front: str, lang: Language) -> bool:
    """Whether the answer can be read off the front: its head word's stem is there, or half of
    its stems are."""
    return gives_away_stems(answer, stems(front, lang), lang)


def stems_around(text: str, a: int, b: int, lang: Language) -> frozenset[str]:
    """`stems(f"{text[:a]} {text[b:]}")`: the stems of a sentence but for the span `a:b` (a word
    cut at `a` or `b` gives its piece, as slicing first would)."""
    code = lang.code
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


def gives_away_stems(answer: str, shown: AbstractSet[str], lang: Language) -> bool:
    """`gives_away` with the front's stems already found."""
    mine = stems(answer, lang)
    if not mine:
        return True
    head = head_stem(answer, lang)
    if head in shown:
        return True
    families = _families(shown)
    if _relatives({head}, shown, families):
        return True
    return len(_relatives(mine, shown, families)) * 2 >= len(mine) and len(mine) > 1
