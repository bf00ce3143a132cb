"""The note's language: which words the cards ask with, and which word data the rules use.

A note says its language in front matter (`lang: es`); otherwise it is detected from its text:
the script (kana → Japanese, Han → Chinese) or, for Latin-script notes, which language's most
frequent words (wordfreq's lists, shipped in its wheel) its text uses most. English is the
fallback, and a card says so (`Language.fallback`).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

from .files import atomic_write
from .text import words


@dataclass(frozen=True, slots=True)
class Language:
    """What the cards of a note in one language say around the note's own words."""

    code: str
    what_is_meant: str
    """`What is meant by “{term}”?`"""
    which_term: str
    """`Which term ({count}) is this: “{text}”`"""
    name_both: str
    """`Name both: {lead}`"""
    according: str
    """`According to {holder}, `"""
    word: str
    words: str
    number: str
    year: str
    name: str
    term: str
    spaced: bool = True
    """Words are separated by spaces; in Chinese and Japanese, lengths count characters."""
    fallback: bool = False
    """English was chosen because the note's language has no table here."""

    @property
    def english(self) -> bool:
        """Whether the note is in English (detected, declared, or undetermined, which `detect`
        takes for English): the word lists written for English apply only then. A language
        without a table (`fallback`) asks in English words but is not English."""
        return self.code == "en"


ENGLISH = Language("en", "What is meant by “{term}”?", "Which term ({count}) is this: “{text}”",
                   "Name both: {lead}", "According to {holder}, ", "word", "words", "number", "year",
                   "name", "term")  # fmt: skip
LANGUAGES = {
    "en": ENGLISH,
    "es": Language("es", "¿Qué significa «{term}»?", "¿Qué término ({count}) es: «{text}»?",
                   "Nombra ambos: {lead}", "Según {holder}, ", "palabra", "palabras", "número", "año",
                   "nombre", "término"),
    "pt": Language("pt", "O que significa “{term}”?", "Qual termo ({count}) é este: “{text}”?",
                   "Nomeie ambos: {lead}", "Segundo {holder}, ", "palavra", "palavras", "número", "ano",
                   "nome", "termo"),
    "de": Language("de", "Was bedeutet „{term}“?", "Welcher Begriff ({count}) ist das: „{text}“?",
                   "Nenne beide: {lead}", "Laut {holder}: ", "Wort", "Wörter", "Zahl", "Jahr", "Name",
                   "Begriff"),
    "fr": Language("fr", "Que signifie « {term} » ?", "Quel terme ({count}) est-ce : « {text} » ?",
                   "Nommez les deux : {lead}", "Selon {holder}, ", "mot", "mots", "nombre", "année",
                   "nom", "terme"),
    "ja": Language("ja", "「{term}」とは何か？", "この説明の用語（{count}）は？「{text}」",
                   "両方を挙げよ：{lead}", "{holder}によると、", "語", "語", "数", "年", "名前", "用語",
                   spaced=False),
    "zh": Language("zh", "「{term}」是什么意思？", "这是哪个术语（{count}）：「{text}」", "说出两者：{lead}",
                   "据{holder}，", "词", "词", "数字", "年份", "名称", "术语", spaced=False),
}  # fmt: skip
_LATIN = ("en", "es", "pt", "de", "fr")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


_FUNCTION_WORDS: dict[str, frozenset[str]] = {}


def function_words(code: str) -> frozenset[str]:
    """A language's most frequent words: its articles, prepositions, pronouns (wordfreq's data)."""
    if code not in _FUNCTION_WORDS:
        from wordfreq import top_n_list  # imported when first needed: see rules.common._zipf

        _FUNCTION_WORDS[code] = frozenset(top_n_list(code, 60, wordlist="small"))
    return _FUNCTION_WORDS[code]


def remember_function_words(folder: Path) -> None:
    """The function words `detect` compares, from a file in `folder` (the notes' cache) or made
    and kept there: loading wordfreq's five lists took a fifth of a second, paid by every
    rebuild that reads even one note. The file is named after wordfreq's version."""
    path = folder / f"function-words-{metadata.version('wordfreq')}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        _FUNCTION_WORDS.update({c: frozenset(kept[c]) for c in _LATIN})
        return
    except (OSError, ValueError, KeyError, TypeError):
        pass
    with contextlib.suppress(OSError):  # without the file, the next build loads the lists again
        words_of = {c: sorted(function_words(c)) for c in _LATIN}
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(words_of, ensure_ascii=False).encode("utf-8"), durable=False)


def language(code: str) -> Language:
    """The table for a language code (`es`, `pt-BR`, `de_DE`); English, marked fallback, for others."""
    base = code.strip().lower().replace("_", "-").split("-")[0]
    if base in LANGUAGES:
        return LANGUAGES[base]
    return replace(ENGLISH, code=base or "en", fallback=bool(base))


def detect(texts: Iterable[str]) -> Language:
    """The language most of `texts` is written in (their first 400 words or 600 characters)."""
    sample = " ".join(texts)[:4000]
    if len(_KANA.findall(sample)) > 10:
        return LANGUAGES["ja"]
    if len(_HAN.findall(sample)) > 20:
        return LANGUAGES["zh"]
    ws = [w.lower() for w in words(sample)][:400]
    if not ws:
        return ENGLISH
    scores = {code: _count_in(ws, function_words(code)) for code in _LATIN}
    best = max(_LATIN, key=lambda code: (scores[code], code == "en"))
    return LANGUAGES[best] if scores[best] >= 3 else ENGLISH


def _count_in(ws: list[str], known: frozenset[str]) -> int:
    return sum(map(known.__contains__, ws))


_NOT_WORD = re.compile(r"\W")


def unspaced_length(text: str) -> int:
    """A Chinese or Japanese text's length in words: about two characters make a word."""
    return len(_NOT_WORD.sub("", text)) // 2


def word_count(text: str, lang: Language) -> int:
    """How many words `text` has: its space-separated words (in Chinese and Japanese, which put
    no spaces between words, `unspaced_length`)."""
    return len(text.split()) if lang.spaced else unspaced_length(text)


def count_hint(lang: Language, n: int) -> str:
    """`2 words`, `2 palabras`, `2語`."""
    if not lang.spaced:
        return f"{n}{lang.word}"
    return f"{n} {lang.word if n == 1 else lang.words}"
