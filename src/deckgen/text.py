"""Plain-text helpers shared by the reader and the extractor: sentences, words, slugs."""

from __future__ import annotations

import re
import unicodedata

# A sentence ends at . ! or ? (plus closing quotes/brackets) followed by space and a capital,
# digit or opening quote. Abbreviations below are not sentence ends.
_END = re.compile(r"""[.!?]+["'”’)\]]*\s+(?=["“‘(\[]?[A-Z0-9À-ÖØ-Þ])""")
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|cf|al|approx|Dr|Mr|Mrs|Ms|Prof|St|Jr|Sr|Inc|Ltd|Co|No|U\.S|U\.K|"
    r"Fig|Eq|Vol|Ch|Sec|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|[A-Z])\.)$"
)
_WORD = re.compile(r"[\w'’-]+")

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


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split `text` into sentences; return (start, end) offsets covering the whole text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        if _ABBREV.search(text[start : m.start() + 1]):
            continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped."""
    return [s for a, b in sentence_spans(text) if (s := text[a:b].strip())]


def words(text: str) -> list[str]:
    """The words of `text` (letters, digits, apostrophes and hyphens)."""
    return _WORD.findall(text)


def content_words(text: str) -> set[str]:
    """Lower-cased words of `text` that are not function words."""
    return {w for w in (x.lower() for x in words(text)) if w not in STOPWORDS}


def slug(text: str, sep: str = "_") -> str:
    """An ASCII-friendly identifier: lower case, words joined by `sep`, Unicode letters kept."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return sep.join(re.findall(r"\w+", text))


def truncate_words(text: str, limit: int) -> str:
    """`text` cut to at most `limit` words, with an ellipsis when cut."""
    parts = text.split()
    return text if len(parts) <= limit else " ".join(parts[:limit]).rstrip(",;:") + "…"
