"""How common a word is in the note's language (wordfreq's data, shipped in its wheel)."""

from __future__ import annotations

import functools

from ..lang import Language
from .weights import COMMON_ZIPF, MIN_RARE_LETTERS, RARE_ZIPF, UNSEGMENTED_ZIPF

_NEEDS_SEGMENTER = frozenset(("ja", "zh", "ko"))


def zipf(word: str, lang: Language) -> float:
    """How common `word` is in `lang`, on the Zipf scale (4 is once per 10,000 words)."""
    return _zipf(word.lower(), lang.code)


@functools.lru_cache(maxsize=65536)
def _zipf(word: str, code: str) -> float:
    if code in _NEEDS_SEGMENTER:
        return UNSEGMENTED_ZIPF
    # Imported here, not at the top: wordfreq takes ~0.15 s to import, which a build whose notes
    # all come from the cache, or a command that makes no cards, need not pay.
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, code))


def common_word(word: str, lang: Language) -> bool:
    """Whether `word` is an everyday word of `lang`."""
    return zipf(word, lang) >= COMMON_ZIPF


def rare_word(word: str, lang: Language) -> bool:
    """Whether `word` is a rare, likely technical word of `lang`."""
    return _rare(word, lang.code)


@functools.lru_cache(maxsize=65536)
def _rare(word: str, code: str) -> bool:
    return len(word) >= MIN_RARE_LETTERS and not word.isdigit() and _zipf(word.lower(), code) < RARE_ZIPF


def preload() -> None:
    """Load wordfreq's English data now (before a process pool forks, so its workers share it)."""
    _zipf("the", "en")
