"""Turn a `Note` into `Claim`s with an ordered list of small rules.

Each rule looks at one block (paragraph or list item) of the note and returns the claims it
finds there; `extract` runs every rule on every block in reading order, then drops empty and
near-duplicate claims.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from .model import BLANK, Block, Claim, ClaimKind, Note, SourceRef, Timestamp
from .text import STOPWORDS, content_words, sentence_spans, sentences, slug, truncate_words, words

MAX_ANSWER_WORDS = 25
"""Definition answers longer than this are cut at a clause boundary (hard limit 40)."""
MAX_LIST_ITEMS = 4
"""Lists up to this size get one "name the items" card; longer ones get a card per item."""
DUPLICATE_SIMILARITY = 0.85
"""Claims of one note whose word sets overlap more than this are duplicates; the first stays."""

_PRONOUN_START = re.compile(
    r"^(?:This|These|That|Those|It|Its|They|Their|Them|He|She|His|Her|Such|Both|Another)\b"
)
_NAVIGATION = re.compile(r"^(?:see|see also|cf\.?)\b[^.]{0,40}\.?$", re.I)
"""A definition that only points elsewhere ("See shell") has nothing to ask."""
_CLAUSE = re.compile(r",\s+(?:such as|which|where|while|though|although|but|and|as|including)\b|;|\s[–—]\s")
_QUOTED = re.compile(r"[\"“]([^\"“”]{2,80}?)[,.]?[\"”]")
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


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    stamps: tuple[Timestamp, ...]
    index: int


def block_sentences(block: Block) -> list[_Sentence]:
    """The block's sentences, each with the timestamps that stood in or right after it."""
    out: list[_Sentence] = []
    spans = sentence_spans(block.text)
    pending = list(block.stamps)  # sorted by offset, like the spans: walk both once
    at = 0
    for i, (a, b) in enumerate(spans):
        last = i == len(spans) - 1
        start = at
        while at < len(pending) and (pending[at][0] < b or last):
            at += 1
        stamps = tuple(t for off, t in pending[start:at] if off >= a or last)
        if text := block.text[a:b].strip():
            out.append(_Sentence(text, stamps, i))
    return out


def _claim(
    note: Note, block: Block, kind: ClaimKind, key: str, question: str, answer: str,
    context: str, lead: str, stamps: Iterable[Timestamp],
) -> Claim:  # fmt: skip
    return Claim(
        kind=kind, key=key, question=question, answer=answer, context=context,
        lead=truncate_words(lead, 40), section=block.headings,
        timestamps=tuple(dict.fromkeys(stamps)), links=block.links,
        source=SourceRef(note.path, block.line),
    )  # fmt: skip


def short_answer(sentence: str) -> str:
    """A definition's answer: its first sentence, cut at a clause (or word) when it runs long."""
    if len(sentence.split()) <= MAX_ANSWER_WORDS:
        return sentence
    cuts = [m.start() for m in _CLAUSE.finditer(sentence) if len(sentence[: m.start()].split()) >= 8]
    for limit in (MAX_ANSWER_WORDS, 40):
        if fitting := [c for c in cuts if len(sentence[:c].split()) <= limit]:
            return sentence[: fitting[-1]].rstrip(" ,;") + "."
    return truncate_words(sentence, MAX_ANSWER_WORDS)


def _mask(text: str, term: str) -> str:
    """Hide the term's own words in `text`, so a term card does not give its answer away."""
    out = text
    for w in sorted(content_words(term), key=lambda w: (-len(w), w)):  # a fixed order: same cards
        if len(w) > 2:
            out = re.sub(rf"\b{re.escape(w[:5])}[\w-]*", "…", out, flags=re.I)
    return out


def _first_stamps(block: Block) -> tuple[Timestamp, ...]:
    """The first moment of a block dates it, even when its first sentence has none."""
    return next((s.stamps for s in block_sentences(block) if s.stamps), ())


def definition_rule(note: Note, block: Block) -> list[Claim]:
    """`**Term:** body` → term → meaning, and meaning → term when the term describes itself."""
    sents = block_sentences(block)
    if not block.term or not sents or _NAVIGATION.match(sents[0].text):
        return []
    first = sents[0]
    answer = short_answer(first.text)
    lead = block.lead_in
    stamps = _first_stamps(block)
    claims = [
        _claim(note, block, "definition", f"def:{slug(block.term)}",
               f"What is meant by “{block.term}”?", answer,
               f"{block.term}: {first.text}", lead, stamps),
    ]  # fmt: skip
    masked = _mask(answer, block.term)
    if masked != answer or content_words(block.term) & content_words(answer):
        n = len(block.term.split())
        claims.append(
            _claim(note, block, "term", f"term:{slug(block.term)}",
                   f"Which term ({n} word{'s' if n > 1 else ''}) is this: “{masked}”",
                   block.term, f"{block.term}: {first.text}", lead, stamps)
        )  # fmt: skip
    return claims


def list_rule(note: Note, block: Block) -> list[Claim]:
    """After the last item of a list of two or more `**Term:**` items: name the items."""
    if not block.list_last or block.list_size < 2:
        return []
    terms = [b for b in note.blocks if b.list_id == block.list_id and b.term]
    if len(terms) < 2:
        return []
    names = [b.term for b in terms]
    stamps = [s for b in terms for s in _first_stamps(b)[:1]]
    lead = block.lead_in or " › ".join(block.headings) or note.title
    key = f"list:{slug(lead)[:60]}"
    if len(names) <= MAX_LIST_ITEMS:
        question = f"Name the {len(names)} items: {lead.rstrip(':')}"
        # no context: it would only repeat the answer
        return [_claim(note, block, "list", key, question, "; ".join(names), "", "", stamps)]
    return [
        _claim(note, block, "list", f"{key}:{slug(name)}",
               f"Which item is missing? {lead.rstrip(':')}: "
               + "; ".join(BLANK if n == name else n for n in names),
               name, "; ".join(names), "", _first_stamps(terms[i]))
        for i, name in enumerate(names)
    ]  # fmt: skip


def _candidates(sentence: str, emphasis: tuple[str, ...]) -> Iterable[tuple[int, int, str]]:
    """Spans worth blanking, best first, each with the hint shown after the blank."""
    for m in _QUOTED.finditer(sentence):
        yield m.start(1), m.end(1), ""
    for phrase in emphasis:
        if (at := sentence.find(phrase)) >= 0 and phrase != sentence:
            yield at, at + len(phrase), ""
    for m in _ACRONYM.finditer(sentence):
        yield m.start(1), m.end(1), "term"
    for m in _NUMBER.finditer(sentence):
        span = m.group(1).rstrip()
        tail = span.split()[-1]
        if tail.lower() in STOPWORDS:
            span = span[: span.rfind(tail)].rstrip()
        hint = "year" if re.fullmatch(r"1[5-9]\d\d|20\d\d", span) else "number"
        yield m.start(1), m.start(1) + len(span), hint
    for m in _PROPER.finditer(sentence):
        if m.start(1) > 0 and m.group(1).lower() not in STOPWORDS:
            yield m.start(1), m.end(1), "name"
    yield from _final_phrase(sentence)
    longest = sorted(re.finditer(r"[\w-]{6,}", sentence), key=lambda m: -len(m.group(0)))
    for m in longest[:3]:  # a rare long word, when no phrase stands out
        yield m.start(), m.end(), "1 word"


def _final_phrase(sentence: str) -> Iterable[tuple[int, int, str]]:
    body = sentence.rstrip(" .!?;:\"”')")
    ws = list(re.finditer(r"[\w'’-]+", body))
    run: list[re.Match[str]] = []
    for m in reversed(ws):
        if m.group(0).lower() in STOPWORDS or len(run) == 4:
            break
        run.insert(0, m)
    if run and any(len(m.group(0)) > 2 for m in run):
        yield run[0].start(), run[-1].end(), ""


def choose_blank(
    sentence: str, emphasis: tuple[str, ...] = (), context: str = ""
) -> tuple[int, int, str] | None:
    """The span of `sentence` to blank: 1–5 words, a content word, not given away by the
    rest of the sentence or by the `context` shown with it."""
    shown = content_words(context)
    for a, b, hint in _candidates(sentence, emphasis):
        b = a + len(re.sub(r"(?:['’]s|[,.;:])+$", "", sentence[a:b].rstrip()))  # keep "'s" and commas out
        span = sentence[a:b].strip()
        n = len(words(span))
        if not 1 <= n <= 5 or not content_words(span):
            continue
        rest = content_words(sentence[:a] + " " + sentence[b:]) | shown
        if content_words(span) <= rest:
            continue  # the answer's words stand in the question: a giveaway
        return a, b, hint or f"{n} word{'s' if n > 1 else ''}"
    return None


def sentence_rule(note: Note, block: Block) -> list[Claim]:
    """Each timestamped sentence → a fill-in-the-blank card (a definition's first one excepted)."""
    claims: list[Claim] = []
    sents = block_sentences(block)
    for s in sents[1:] if block.term else sents:
        if not s.stamps or len(words(s.text)) < (3 if block.lead_in else 5):
            continue
        lead = block.term or block.lead_in
        if _PRONOUN_START.match(s.text) and s.index > 0:  # give "This…" its referent
            before = sentences(block.text)[s.index - 1]
            lead = f"{block.term}: {before}" if block.term else before
        blank = choose_blank(s.text, block.emphasis, lead)
        if blank is None:
            continue
        a, b, hint = blank
        question = f"{s.text[:a]}{BLANK} ({hint}){s.text[b:]}"
        claims.append(
            _claim(note, block, "sentence", f"sent:{slug(s.text)[:80]}", question,
                   s.text[a:b].strip(), s.text, lead, s.stamps)
        )  # fmt: skip
    return claims


Rule = Callable[[Note, Block], list[Claim]]
RULES: tuple[Rule, ...] = (definition_rule, sentence_rule, list_rule)
"""Applied in this order to every block; the order is the order of cards from one block."""


def _prefix(words: set[str]) -> list[str]:
    """Two word sets overlapping more than DUPLICATE_SIMILARITY share a word among these
    first few of each (prefix filtering): only claims that do need to be compared."""
    ordered = sorted(words)
    return ordered[: len(ordered) - math.ceil(DUPLICATE_SIMILARITY * len(ordered)) + 1]


def _dedupe(claims: list[Claim]) -> list[Claim]:
    kept: list[Claim] = []
    words: list[set[str]] = []  # each kept claim's words, computed once
    index: dict[tuple[str, str], list[int]] = {}  # (kind, prefix word or list question) → kept
    keys: dict[str, int] = {}
    for c in claims:
        if not c.question.strip() or not c.answer.strip():
            continue
        mine = content_words(c.question + " " + c.answer)
        probes = [(c.kind, c.question)] if c.kind == "list" else [(c.kind, w) for w in _prefix(mine)]
        near = sorted({i for p in probes for i in index.get(p, ())})
        twin = next((i for i in near if _similar(kept[i], c, words[i], mine)), None)
        if twin is not None:  # keep the first; its card links the twin's moments too
            stamps = tuple(dict.fromkeys(kept[twin].timestamps + c.timestamps))
            kept[twin] = replace(kept[twin], timestamps=stamps)
            continue
        n = keys[c.key] = keys.get(c.key, 0) + 1
        for p in probes:
            index.setdefault(p, []).append(len(kept))
        kept.append(c if n == 1 else replace(c, key=f"{c.key}#{n}"))
        words.append(mine)
    return kept


def _similar(a: Claim, b: Claim, wa: set[str], wb: set[str]) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "list":  # one list's per-item cards differ by one blank only
        return a.question == b.question
    small, large = sorted((len(wa), len(wb)))
    if not small or small < DUPLICATE_SIMILARITY * large:  # the overlap cannot reach the threshold
        return False
    return len(wa & wb) / len(wa | wb) > DUPLICATE_SIMILARITY


def _cover(block: Block, claims: list[Claim]) -> list[Claim]:
    """Give a block's timestamps that no claim carries to its first claim: no moment is lost."""
    carried = {t for c in claims for t in c.timestamps}
    missing = [t for _, t in block.stamps if t not in carried]
    if not claims or not missing:
        return claims
    first = claims[0]
    return [replace(first, timestamps=tuple(dict.fromkeys(first.timestamps + tuple(missing)))), *claims[1:]]


def _carry(orphans: list[Timestamp], claims: list[Claim]) -> list[Claim]:
    """Moments of a block that gave no card go to the next card of the same section."""
    if not orphans or not claims:
        return claims
    first = claims[0]
    return [replace(first, timestamps=tuple(dict.fromkeys(first.timestamps + tuple(orphans)))), *claims[1:]]


def extract(note: Note, rules: tuple[Rule, ...] = RULES) -> tuple[Claim, ...]:
    """All claims of a note, in reading order."""
    claims: list[Claim] = []
    orphans: list[Timestamp] = []
    section: tuple[str, ...] = ()
    for block in note.blocks:
        if block.headings != section:
            claims = claims[:-1] + _carry(orphans, claims[-1:])  # to the section's last card
            orphans, section = [], block.headings
        found = _cover(block, [c for rule in rules for c in rule(note, block)])
        if found:
            claims += _carry(orphans, found)
            orphans = []
        else:
            orphans += [t for _, t in block.stamps]
    claims = claims[:-1] + _carry(orphans, claims[-1:])
    return tuple(_dedupe(claims))
