"""A timestamped sentence → one fill-in-the-blank card, its blank chosen by kind.

Blanks are tried best kind first: a quoted or emphasised phrase, a term with its acronym, a
number with its unit, a name (these are "typed" blanks and rank strong), then the closing noun
phrase or a long word (fallback blanks, which rank weak and are filtered hard: a generic head
noun, a word right after "this", the last item of a pair, a word given away by the front).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from ..lang import Language, count_hint, unspaced_length
from ..model import BLANK, Block, Candidate, Note
from ..text import STOPWORDS, WORD, neighbours, words
from .attribution import attribute, speaker
from .common import MARKUP, NARRATIVE, sentence_key, topic_text
from .common import make_candidate as candidate
from .context import RuleContext
from .frequency import common_word, rare_word, zipf
from .sentences import antecedent, block_sentences, inner_referent, needs_referent
from .stems import content, gives_away_stems, stems, stems_around, stopwords
from .weights import (
    BLANK_KINDS,
    FORCED_BONUS,
    LONG,
    LONG_BLANK_LETTERS,
    LONG_SENTENCE,
    LONG_WORDS_TRIED,
    MARKED_ZIPF,
    MAX_BLANK_WORDS,
    MAX_PHRASE_WORDS,
    MAX_WORDS,
    MIN_ITEM_WORDS,
    MIN_LEFT_WORDS,
    MIN_MARKED_LETTERS,
    MIN_WORDS,
    NEEDS_LEAD,
    RARE_ANSWER,
    STRONG,
    UNSPACED_PHRASE,
)

GENERIC_HEADS = frozenset(
    """step steps need needs output outputs process processes thing things way ways part parts area
    areas aspect aspects factor factors issue issues kind kinds type types sort lot lots level
    levels role roles point points stuff matter matters fact facts idea ideas approach approaches
    method methods one ones time times case cases example examples use uses place places result
    results term terms form forms set sets number amount range value values element elements
    component components item items option options situation situations manner sense work effect
    effects impact goal goals purpose regime domain field fields world people others everything
    something anything nothing""".split()
)
"""Head nouns that fit almost any sentence: a blank on them is vague."""
VAGUE_MODIFIERS = frozenset(
    """key main important primary major big great good new different other certain specific particular
    various several many real whole entire overall general basic common simple same similar""".split()
)
"""Words that add nothing to a generic head noun ("key step")."""
_PAIRING = frozenset(("and", "or", "nor"))
_HEDGING = frozenset("better worse more less most least very quite rather really fairly".split())
_POINTING = frozenset("""this these that those such its their his her our your my the a an""".split())

_QUOTED = re.compile(r"[\"“「『]([^\"“”「」『』]{2,80}?)[,.]?[\"”」』]")
_ACRONYM = re.compile(
    r"\b((?:[A-Z][\w-]*\s+)(?:(?:of|and|for|the|in|to)\s+|[A-Z][\w-]*\s+){0,4}\(([A-Z][A-Za-z0-9-]{1,9})\))"
)
_UNITS = (
    "years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centuries|times|people|"
    "percent|examples?|steps?|mph|km|miles?|meters?|kg|mg|grams?|dollars?|euros?|tokens?|"
    "parameters|users|employees|countries|calories|degrees|points|feet|inches"
)
_NUMBER = re.compile(
    r"(?<![\w.-])((?:~|about |over |nearly |around |\$)?\d[\d,]*(?:\.\d+)?"
    r"(?:\s?[-–]\s?\d[\d,]*(?:\.\d+)?)?"  # a range: 6,000-8,000
    r"(?:\s?(?:%|percent|million|billion|trillion|thousand|x)\b)?(?:\s(?:" + _UNITS + r")\b)?)"
)
_PROPER = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][\w'’-]*[a-z0-9][\w'’-]*(?:\s+[A-Z][\w'’-]+){0,3})")
_IN_FORMULA = re.compile(r"[+*/=×÷^<>#]\s?\x00|\x00\s?[+*/=×÷^<>]|\x00[A-Za-z²³]")
"""Around a number (`\x00`): an operator or a variable next to it."""
_CJK_NUMBER = re.compile(r"(\d[\d,.]*(?:年|%|％|人|円|万|億|個|回|倍|歳)?)")
"""A number in Chinese or Japanese text, where no space parts it from the words around it."""
_NAME_PART = re.compile(r"[A-Z][\w-]*\s*$")
"""A number right after a capitalised word is part of a name ("LTPO 2", "Llama 2")."""


# Compiled once: these run for every blank tried.
_COMMA_BEFORE = re.compile(r",\s*$")
_LIST_AFTER = re.compile(r"\s*(?:,|and\b|or\b)")
_VERB_FORM = re.compile(r"(?:ing|ed)$")
_TERMISH = re.compile(r"[-\d]|\w[A-Z]")
_TRAILING = re.compile(r"(?:['’]s|[,.;:])+$")
_PAIRED_AFTER = re.compile(r"\s*(?:or|and|to)\s+\d")
_PAIRED_BEFORE = re.compile(r"\d\s*(?:or|and|to)\s*$")
_MATH = re.compile(r"\$\$|\\[a-z]+\{|\$[^$\s][^$]*\$")


def _spans(sentence: str, emphasis: tuple[str, ...], lang: Language) -> Iterable[tuple[int, int, str]]:
    """Spans worth blanking, best kind first."""
    for m in _QUOTED.finditer(sentence):
        yield m.start(1), m.end(1), "quoted"
    for phrase in emphasis:
        if phrase.endswith((":", "：")):
            continue  # a label ("**Term:**"), which the definition rule asks about
        if (at := sentence.find(phrase)) >= 0 and phrase != sentence:
            yield at, at + len(phrase), "emphasis"
    for m in _ACRONYM.finditer(sentence):
        yield m.start(1), m.end(1), "acronym"
    for m in _NUMBER.finditer(sentence):
        span = m.group(1).rstrip()
        tail = span.split()[-1]
        if tail.lower() in stopwords(lang):
            span = span[: span.rfind(tail)].rstrip()
        if not _NAME_PART.search(sentence[: m.start(1)]):
            yield m.start(1), m.start(1) + len(span), "number"
    if not lang.spaced:
        for m in _CJK_NUMBER.finditer(sentence):
            yield m.start(1), m.end(1), "number"
    if not lang.english:
        return  # capitalised German nouns are not names; closing phrases need English grammar
    for m in _PROPER.finditer(sentence):
        if m.start(1) > 0 and m.group(1).lower() not in STOPWORDS:
            yield m.start(1), m.end(1), "name"
    yield from _final_phrase(sentence)
    longest = sorted(re.finditer(r"[\w-]{7,}", sentence), key=lambda m: (-len(m.group(0)), m.start()))
    for m in longest[:LONG_WORDS_TRIED]:  # a rare long word, when no phrase stands out
        yield m.start(), m.end(), "word"


def _final_phrase(sentence: str) -> Iterable[tuple[int, int, str]]:
    body = sentence.rstrip(" .!?;:\"”')")
    ws = list(WORD.finditer(body))
    run: list[re.Match[str]] = []
    for m in reversed(ws):
        if m.group(0).lower() in STOPWORDS or len(run) == MAX_PHRASE_WORDS:
            break
        run.insert(0, m)
    if run and any(len(m.group(0)) > 2 for m in run):
        yield run[0].start(), run[-1].end(), "phrase"


def _phrase_like(span: str, lang: Language) -> bool:
    """A marked phrase that names something: at most four words, not one everyday word; in
    English, no function words but of/per and not opening with an adverb ("absolutely …")."""
    if not lang.spaced:
        return UNSPACED_PHRASE[0] <= len(span) <= UNSPACED_PHRASE[1]
    ws = [w.lower() for w in words(span)]
    if len(ws) == 1 and (len(span) < MIN_MARKED_LETTERS or zipf(ws[0], lang) >= MARKED_ZIPF):
        return False
    if not lang.english:
        return len(ws) <= MAX_PHRASE_WORDS
    if ws[0].endswith("ly") or ws[0] in _JUDGING:
        return False
    return len(ws) <= MAX_PHRASE_WORDS and not any(w in STOPWORDS and w not in ("of", "per") for w in ws)


def _in_enumeration(sentence: str, a: int, b: int) -> bool:
    """Whether the span is an inner item of a comma list ("X, _____, Y")."""
    return bool(_COMMA_BEFORE.search(sentence[:a]) and _LIST_AFTER.match(sentence[b:]))


def _weak_blank_fault(sentence: str, a: int, b: int, lang: Language) -> str:
    """Why a fallback blank would be vague ('' when it is fine)."""
    span = sentence[a:b]
    ws = words(span)
    before, after = neighbours(sentence, a, b)  # the words right before and after the blank
    if ws[-1].lower() in GENERIC_HEADS and all(w.lower() in VAGUE_MODIFIERS for w in ws[:-1]):
        return f"“{span}” is generic: many answers would fit"
    if before and before.lower() in _POINTING:
        return f"the blank follows “{before}”: it is vague"
    if before.lower() in _PAIRING or after.lower() in _PAIRING:
        return "the blank is one item of a pair or list: it is arbitrary"
    if not before:
        return "the blank opens the sentence: too little comes before it"
    if ws[0].lower().endswith("ly") or ws[0].lower() in _HEDGING:
        return f"the blank starts with “{ws[0]}”: a judgement, not a fact"
    if len(ws) == 1 and _VERB_FORM.search(span):
        return "a lone verb form is a weak blank"
    if len(ws) == 1 and common_word(span, lang):
        return f"“{span}” is an everyday word: many answers would fit"
    plain = len(ws) == 1 and not (len(span) >= LONG_BLANK_LETTERS or _TERMISH.search(span))
    if plain or span.endswith("ly"):
        return "a single plain word or an adverb is a weak blank"
    return ""


def choose_blank(
    sentence: str, lang: Language, emphasis: tuple[str, ...] = (), front: str = ""
) -> tuple[int, int, str] | None:
    """The span of `sentence` to blank and its kind: 1–5 words with content, not given away by
    the rest of the sentence or by the `front` shown with it, and (for a fallback) not vague."""
    size = length(sentence, lang)
    for a, b, kind in _spans(sentence, emphasis, lang):
        b = a + len(_TRAILING.sub("", sentence[a:b].rstrip()))  # keep "'s" and commas out
        span = sentence[a:b].strip()
        if not 1 <= length(span, lang) <= MAX_BLANK_WORDS or not content(span, lang):
            continue
        if size - length(span, lang) < MIN_LEFT_WORDS:
            continue  # the blank is nearly the whole sentence
        if kind == "number" and re.fullmatch(r"\d", span):
            continue  # a lone digit: "1 lakh", "2 tablespoons"
        if kind == "number" and (
            a == 0 or _PAIRED_AFTER.match(sentence[b:]) or _PAIRED_BEFORE.search(sentence[:a])
        ):
            continue  # "around 2012 or 2013", "3 to 4.5 million": one of a pair; or nothing before it
        # Every test below only filters, so their order is free: cheapest first, and the vague
        # fallback before the giveaway (it turns away seven in ten of the blanks tried).
        if kind == "name" and a == 0:
            continue  # a name opening the sentence leaves too little before it
        if kind not in ("number", "acronym") and _in_enumeration(sentence, a, b):
            continue  # "Chechens, _____, Tatars": one of a list, any item would do
        if kind in ("quoted", "emphasis") and not _phrase_like(span, lang):
            continue  # "fine", "good chances for the implementation": a mood or a clause, not a term
        if kind == "number" and _IN_FORMULA.search(f"{sentence[max(0, a - 2) : a]}\x00{sentence[b : b + 2]}"):
            continue  # the 3 of "3x²" or "80/20": part of a formula, not a fact
        if BLANK_KINDS[kind] < STRONG and _weak_blank_fault(sentence, a, b, lang):
            continue
        if gives_away_stems(span, stems_around(sentence, a, b, lang) | stems(front, lang), lang):
            continue
        return a, b, kind
    return None


def hint(kind: str, answer: str, lang: Language) -> str:
    """What the blank asks for, so that one answer fits: `(term)`, `(number)`, `(2 words)`, in
    the note's language."""
    if kind == "acronym":
        return lang.term
    if kind == "number":
        return lang.year if re.fullmatch(r"1[5-9]\d\d|20\d\d", answer) else lang.number
    if kind == "name":
        return lang.name
    return count_hint(lang, len(words(answer)) if lang.spaced else len(answer))


def length(text: str, lang: Language) -> int:
    """A text's length in words; in Chinese and Japanese, about two characters make a word."""
    return len(words(text)) if lang.spaced else unspaced_length(text)


def sentence_rule(note: Note, block: Block, ctx: RuleContext) -> list[Candidate]:
    """Each timestamped sentence → at most one fill-in-the-blank candidate (the first sentence of
    a term's definition excepted: the definition rule asks it)."""
    out: list[Candidate] = []
    lang = ctx.lang
    sents = block_sentences(block, lang)
    untimed_note = not (note.video_id and ctx.timed) and not block.stamps
    for s in sents[1:] if block.term else sents:
        forced = s.index in block.forced
        if not s.stamps and not untimed_note and not forced:
            continue  # in a timestamped note, text without a moment is the writer's framing
        lead = block.lead_in if block.kind == "item" else ""
        if s.index == 0 and (label := _leading_label(s.text, block.emphasis)):
            s = replace(s, text=s.text[len(label) :].strip())  # "**Affordability** To truly afford…"
            lead = label
        elif m := _LABEL_PREFIX.match(s.text):
            s = replace(s, text=s.text[m.end() :])  # "Motivation for Ethnic Groups: The incident…"
            lead = m.group(1)
        reject = _sentence_fault(s.text, block, lang)
        if not reject and needs_referent(s.text, lang):
            before = antecedent([x.text for x in sents], s.index, lang)
            if not before:
                reject = "it points back at something no sentence before it names"
            lead = f"{block.term}: {before}" if block.term else before
        if not reject and lang.english and NARRATIVE.search(lead):
            reject = "its context is about the recording, not the subject"
        front = f"{topic_text(note, block)} {lead} {block.term}"
        blank = None if reject else choose_blank(s.text, lang, block.emphasis, front)
        if not reject and blank is None:
            reject = "no blank that is not vague or given away"
        if not s.stamps and not forced and not _worth_without_moment(s.text, blank, lang):
            continue  # without a moment, only a phrase the writer marked is worth asking
        a, b, kind = blank or (0, 0, "phrase")
        answer = s.text[a:b].strip()
        holder = speaker(note)
        shown = s.text if answer and answer in holder else attribute(s.text, holder, lang)
        shift = len(shown) - len(s.text)
        question = f"{shown[: a + shift]}{BLANK} ({hint(kind, answer, lang)}){shown[b + shift :]}"
        out.append(
            candidate(note, block, rule="sentence", kind=kind, claim_kind="sentence",
                      key=sentence_key(s.text), question=question if blank else s.text, answer=answer,
                      context=s.text, lead=lead, stamps=s.stamps, reject=reject,
                      features=[*_features(s.text, kind, lead, answer, lang),
                                *([(FORCED, FORCED_BONUS)] * forced)],
                      unit=f"{block.line}:{s.index}")
        )  # fmt: skip
    return out


FORCED = "forced in by %% deckgen: card %%"
"""The feature of a sentence the note forced in: it is kept whatever the budget."""

_JUDGING = frozenset(
    """never not always just still very really best worst most least greatest biggest only perfect
    ultimate""".split()
)
"""A marked phrase opening with these is a judgement ("best compact flagship phone"), not a term."""
_MARKED = frozenset(("quoted", "emphasis", "acronym"))
_CODE = re.compile(r"[{}\[\]=#|<>`$\\]|::|\w\(\)|\b\w+\.\w+\(")
"""Signs of code or configuration in a sentence."""


def _worth_without_moment(text: str, blank: tuple[int, int, str] | None, lang: Language) -> bool:
    """An untimed sentence: only a multi-word or uncommon phrase the writer marked, in prose."""
    if blank is None or blank[2] not in _MARKED or _CODE.search(text) or blank[0] == 0:
        return False
    span = words(text[blank[0] : blank[1]])
    return len(span) > 1 or not common_word(span[0], lang)


_LABEL_PREFIX = re.compile(r"^([A-Z][^:.!?]{2,50}):\s+(?=[A-Z])")
"""A label the writer put before a sentence ("Motivation for Ethnic Groups: The incident…")."""


def _leading_label(text: str, emphasis: tuple[str, ...]) -> str:
    """A bold phrase that opens the block and is followed by a new sentence: a label, not text."""
    first = emphasis[0] if emphasis else ""
    if first and text.startswith(first) and re.match(r"\s*[A-Z]", text[len(first) :]):
        return first
    return ""


def _sentence_fault(text: str, block: Block, lang: Language) -> str:
    n = length(text, lang)
    if _MATH.search(text):
        return "it holds math, which cards do not show yet"
    if MARKUP.search(text):
        return "it holds markup the note did not close"
    if n < (MIN_ITEM_WORDS if block.kind == "item" else MIN_WORDS):
        return "too short to say much"
    if n > MAX_WORDS:
        return "too long: several facts at once"
    if text.rstrip().endswith(":"):
        return "it only introduces a list"
    if lang.english and NARRATIVE.search(text):
        return "it is about the recording, not the subject"
    if inner_referent(text, lang):
        return "it leans on a “this” it does not name"
    return ""


def _features(text: str, kind: str, lead: str, answer: str, lang: Language) -> list[tuple[str, float]]:
    out = [(f"{kind} blank", BLANK_KINDS[kind])]
    if BLANK_KINDS[kind] < STRONG and any(rare_word(w, lang) for w in words(answer)):
        out.append(("a rare word in the answer", RARE_ANSWER))
    n = len(words(text))
    if lead:
        out.append(("needs the sentence before it", NEEDS_LEAD))
    if n > LONG_SENTENCE:
        out.append(("long sentence", LONG))
    return out
