"""Plain-text helpers shared by the reader and the extractor: sentences, words, slugs, and
the clean-up of text that will be shown on a card."""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata

import regex

from .shown import CONTROLS

# A sentence ends at . ! or ? (plus closing quotes/brackets) and space, or at a CJK full stop,
# when the next word does not start in lower case (a capital, a digit or an uncased script).
# Abbreviations below are not sentence ends.
# A match starts only at the first mark of a run: "......" is one try, not one per dot.
_END = re.compile(
    r"""(?:(?<![.!?])[.!?]+["'”’)\]]*\s+|(?<![。！？])[。！？]+["'”’」』)\]]*\s*)(?=["“‘「『(\[]?(\w))"""
)
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|cf|al|approx|Dr|Mr|Mrs|Ms|Prof|St|Jr|Sr|Inc|Ltd|Co|No|U\.S|U\.K|"
    r"Fig|Eq|Vol|Ch|Sec|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|[A-Z])\.)$"
)
"""English abbreviations: titles, months, Latin ones and initials."""
_SHARED_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|cf|al|Dr|Prof|[A-Z])\.)$")
"""The abbreviations above that other languages write too: Latin ones, "Dr." and "Prof." (German,
Spanish, Portuguese), initials. English titles and months are English: "al Mar." ends a sentence."""
_ABBREV_LEN = 8
"""The longest abbreviation above, with its dot: only that much text is searched."""
WORD = regex.compile(r"[\w\p{M}'’-]+")
r"""A word: letters and digits with their combining marks (Devanagari vowel signs are marks,
which Python's `\w` leaves out), apostrophes and hyphens."""

INVISIBLE = "\u200b\u2060\ufeff"
"""Zero-width space, word joiner and a stray byte-order mark: invisible, and they would split
words, terms and timestamps. Zero-width (non-)joiners stay: scripts and emoji need them."""
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "so",
        "yet",
        "for",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "as",
        "than",
        "then",
        "that",
        "this",
        "these",
        "those",
        "there",
        "their",
        "them",
        "they",
        "it",
        "its",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "not",
        "no",
        "can",
        "could",
        "may",
        "might",
        "will",
        "would",
        "shall",
        "should",
        "must",
        "also",
        "very",
        "more",
        "most",
        "less",
        "least",
        "such",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "other",
        "some",
        "only",
        "own",
        "same",
        "too",
        "just",
        "i",
        "we",
        "you",
        "he",
        "she",
        "his",
        "her",
        "our",
        "your",
        "my",
        "me",
        "us",
        "him",
        "one",
        "like",
        "via",
        "per",
        "while",
        "if",
        "because",
        "although",
        "though",
        "whether",
        "up",
        "out",
        "off",
        "down",
        "again",
        "further",
        "once",
        "here",
        "between",
        "through",
        "during",
        "before",
        "after",
        "above",
        "below",
        "against",
        "among",
        "within",
        "without",
    ]
)


EMBED_PLACEHOLDER = re.compile(r"\s*\[(?:image|embed): [^\]]*\]")
"""Where the reader put an embedded file (`[image: crumb.png]`): shown on cards, no text to ask."""


def sentence_spans(text: str, english: bool) -> list[tuple[int, int]]:
    """Split `text` into sentences; return (start, end) offsets covering the whole text. English
    abbreviations ("Mr.", "Jan.") end no sentence when `english`; in other languages only those
    they share ("etc.", "Dr.", initials) do not."""
    return list(_sentence_spans(text, english))


@functools.lru_cache(maxsize=1024)
def _sentence_spans(text: str, english: bool) -> tuple[tuple[int, int], ...]:
    # Cached: every rule reads the same block's sentences.
    spans: list[tuple[int, int]] = []
    start = 0
    abbrev = _ABBREV if english else _SHARED_ABBREV
    for m in _END.finditer(text):
        if (nxt := m.group(1)).islower() or not (nxt.isalpha() or nxt.isdigit()):
            continue
        if abbrev.search(text, max(start, m.start() + 1 - _ABBREV_LEN), m.start() + 1):
            continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return tuple(spans)


def sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, split as English (the reader uses it for list lead-ins,
    before the note's language is known)."""
    return [s for a, b in sentence_spans(text, True) if (s := text[a:b].strip())]


def words(text: str) -> list[str]:
    """The words of `text` (letters, digits, apostrophes and hyphens)."""
    return list(WORD.findall(text))


def neighbours(text: str, a: int, b: int) -> tuple[str, str]:
    """The last of `words(text[:a])` and the first of `words(text[b:])` ('' for none), from the
    text's words found once (a word cut at `a` or `b` gives its piece, as slicing first would)."""
    starts, ends = _bounds(text)
    i = bisect.bisect_left(starts, a) - 1  # the last word that starts before `a`
    j = bisect.bisect_right(ends, b)  # the first word that ends after `b`
    before = text[starts[i] : min(ends[i], a)] if i >= 0 else ""
    after = text[max(starts[j], b) : ends[j]] if j < len(ends) else ""
    return before, after


@functools.lru_cache(maxsize=1024)
def _bounds(text: str) -> tuple[list[int], list[int]]:
    spans = [m.span() for m in WORD.finditer(text)]
    return [s for s, _ in spans], [e for _, e in spans]


def content_words(text: str) -> set[str]:
    """Lower-cased words of `text` that are not function words."""
    return {w for w in (x.lower() for x in words(text)) if w not in STOPWORDS}


_WORDS = re.compile(r"\w+")


def slug(text: str, sep: str = "_") -> str:
    """An ASCII-friendly identifier: lower case, words joined by `sep`, Unicode letters kept."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return sep.join(_WORDS.findall(text))


def truncate_words(text: str, limit: int) -> str:
    """`text` cut to at most `limit` words, with an ellipsis when cut."""
    parts = text.split()
    return text if len(parts) <= limit else " ".join(parts[:limit]).rstrip(",;:") + "…"


def visible(text: str) -> str:
    """`text` without the invisible characters in `INVISIBLE`."""
    if not any(ch in text for ch in INVISIBLE):  # a scan per character is fast; translate is not
        return text
    return text.translate(_INVISIBLE)


def without_controls(text: str) -> str:
    """`text` without the characters of `CONTROLS`."""
    return CONTROLS.sub("", text) if CONTROLS.search(text) else text
