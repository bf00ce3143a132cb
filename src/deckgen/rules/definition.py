"""`**Term:** body` and glossary entries → "What is meant by Term?" and meaning → term cards.

A bold label is only a term when it looks like one: `**Note:**`, `**Example:**`, `**For local
assets:**` and `**Deep Thinking and Attention:**` are the note-writer's structure, not
vocabulary. A self-describing term ("Long-term Coherence" → "…struggle to maintain
coherence…") gives away its meaning, so it is only asked the other way round.
"""

from __future__ import annotations

import re

from ..lang import Language, count_hint, word_count
from ..model import Block, Candidate, Note
from ..text import EMBED_PLACEHOLDER, WORD, slug, words
from .attribution import attribute, speaker
from .common import make_candidate as candidate
from .common import topic_text
from .context import RuleContext
from .frequency import common_word
from .sentences import block_sentences, first_stamps, needs_referent
from .stems import content, gives_away, overlap, stems
from .weights import (
    EVERYDAY_TERM,
    LONG,
    LONG_DEFINITION,
    MAX_ANSWER_WORDS,
    MAX_MEANING_WORDS,
    MAX_TERM_WORDS,
    MIN_CUT_WORDS,
    MIN_MEANING_WORDS,
    SHORT_DEFINITION,
    SHORT_WORDS,
    TERM,
)

STRUCTURAL = frozenset(
    """note notes nb example examples e.g eg syntax tip tips hint hints question questions answer
    answers project projects exercise exercises solution solutions summary overview warning caution
    important info information usage description definition purpose goal goals step steps task
    tasks todo update updates source sources reference references related context background
    introduction intro conclusion discussion challenge challenges problem problems benefit benefits
    pros cons advantages disadvantages result results output outputs input inputs bonus quote
    quotes idea ideas insight insights lesson lessons takeaway takeaways highlight highlights
    status date time author speaker guest host key point points main note tl;dr tldr faq remember
    reminder caveat caveats option options method methods case cases rule rules feature features
    functionality functions details detail explanation aside observation observations objective
    objectives outcome outcomes prerequisites requirements setup installation configuration
    examples: week day part phase stage level module chapter section episode lecture video podcast
    article link links file files format formats default defaults limitation limitations issue
    issues fix fixes characteristics properties traits attributes aspects factors components
    elements specs specifications price prices cost costs pricing performance design verdict
    recommendation recommendations strengths weaknesses risks concerns criticism reception impact
    legacy origin origins history timeline competition comparison application applications role
    significance importance benefits drawbacks""".split()
)
"""Words that name a part of a note rather than a thing to know."""
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten i ii iii iv v vi".split())
_OPENERS = frozenset(
    """for to in on at by with from when if how why what where who which while during after before as
    into about via using use take make add remove run try keep avoid see check click open create
    write read be do don't let get set go find install copy paste type press select choose follow
    start stop don't never always please ask""".split()
)
"""A label opening with a preposition, a question word or an imperative is not a term."""
_GROUPED = re.compile(
    r"\s(?:and|or|&|vs\.?|versus|to|for|with|from|by|in|is|are|was|were|be|has|have|can|will|should)\s|,|/|\?|!"
)
"""Two things named together ("Taste and Ambiguity"): a heading, not a term."""
_LISTED = re.compile(r"\s&\s|,|/|\?|!")
"""`_GROUPED` in any language: two things named together by signs, not by English words."""
_CLAUSE = re.compile(r",\s+(?:such as|which|where|while|though|although|but|as|including)\b|;|\s[–—]\s")
"""Where a long English definition may be cut."""
_PAUSE = re.compile(r";|\s[–—]\s")
"""`_CLAUSE` in any language: a semicolon or a dash."""


def is_term(label: str, lang: Language) -> bool:
    """Whether a bold label names a thing to know (a term) rather than structuring the note (in
    English, by the words it is made of; in other languages by its shape only)."""
    ws = words(label)
    if not ws or len(ws) > MAX_TERM_WORDS or (_GROUPED if lang.english else _LISTED).search(label):
        return False
    if label.rstrip().endswith(("?", ":")):
        return False
    if len(ws) > 1 and re.fullmatch(r"[A-Z]|\d+", ws[-1]):
        return False  # "Text Hook A", "Phase 2": one of a series the writer numbered
    return not lang.english or _english_term([w.lower() for w in ws])


def _english_term(ws: list[str]) -> bool:
    """Whether an English label's words make a term: not an opener, not a part of the note."""
    if ws[0] in _OPENERS:
        return False
    if all(w in STRUCTURAL or _number(w) for w in ws) or ws[-1] in STRUCTURAL:
        return False  # "Example", "Stage Two", "Anthropic's Definition": the head names a part
    return not (len(ws) > 1 and ws[0] in STRUCTURAL and _number(ws[-1]))


def _number(word: str) -> bool:
    return word.isdigit() or word in _NUMBER_WORDS


def short_answer(sentence: str, lang: Language) -> str:
    """A definition's answer: its first sentence, cut at a clause boundary when it runs long;
    '' when no cut leaves a whole thought of at most `MAX_ANSWER_WORDS` words."""
    if word_count(sentence, lang) <= MAX_ANSWER_WORDS:
        return sentence
    ends = [m.start() for m in (_CLAUSE if lang.english else _PAUSE).finditer(sentence)]
    cuts = [c for c in ends if word_count(sentence[:c], lang) >= MIN_CUT_WORDS]
    fitting = [c for c in cuts if word_count(sentence[:c], lang) <= MAX_ANSWER_WORDS]
    return sentence[: fitting[-1]].rstrip(" ,;") + "." if fitting else ""


def mask(text: str, term: str, lang: Language) -> tuple[str, int]:
    """`text` with the term's words hidden as `…`, and how many places were hidden."""
    term_stems = stems(term, lang)
    hidden = 0

    def hide(m: re.Match[str]) -> str:
        nonlocal hidden
        if stems(m.group(0), lang) & term_stems:
            hidden += 1
            return "…"
        return m.group(0)

    masked = WORD.sub(hide, text)
    return re.sub(r"…(?:\s+…)+", "…", masked), hidden


def definition_rule(note: Note, block: Block, ctx: RuleContext) -> list[Candidate]:
    """Term → meaning, or meaning → term when the term describes itself; never both."""
    lang = ctx.lang
    sents = block_sentences(block, lang)
    if not sents:
        return []
    term, first, shown = block.term, EMBED_PLACEHOLDER.sub("", sents[0].text), sents[0].text
    if not term:  # a plain "Term: what it is" line or bullet
        m = _PLAIN_TERM.match(first)
        prose = m is not None and (_PROSE.match(m["body"]) or not lang.spaced)
        if m is None or not prose or not is_term(m["term"], lang) or _NOT_PROSE.search(first):
            return []  # "Related thread: https://…", "id:: 634f…": a field, not a definition
        term, first = m["term"].strip(), EMBED_PLACEHOLDER.sub("", m["body"])
        shown = m["body"]
    label = term if block.kind == "item" else ""

    def make(kind: str, question: str, answer: str, reject: str) -> Candidate:
        prefix = "def" if kind == "definition" else "term"
        return candidate(
            note, block, rule=kind, kind=kind, claim_kind=kind,  # type: ignore[arg-type]
            key=f"{prefix}:{slug(term)}", question=question, answer=answer,
            context=f"{term}: {shown}", lead=block.lead_in, stamps=first_stamps(block, lang),
            reject=reject, features=_features(answer if kind == "definition" else first, kind, label, lang),
            unit=f"{block.line}:0",
        )  # fmt: skip

    if not is_term(term, lang):
        return [make("definition", lang.what_is_meant.format(term=term), first, "label, not a term")]
    front = f"{topic_text(note, block)} {block.lead_in}"
    answer = short_answer(first, lang)
    if answer and not overlap(stems(answer, lang), stems(term, lang)):
        holder = attribute(answer, speaker(note), lang) != answer
        question = lang.what_is_meant.format(term=term)
        if holder:
            question = f"{question[:-1]} (according to {speaker(note)})?"
        return [make("definition", question, answer,
                     _definition_fault(answer, f"{front} {term}", lang))]  # fmt: skip
    masked, hidden = mask(first, term, lang)
    n = len(term.split())
    count = count_hint(lang, n if lang.spaced else len(term))
    question = lang.which_term.format(count=count, text=attribute(masked, speaker(note), lang))
    fault = _term_fault(term, first, (masked, hidden), front, block.kind == "item", lang)
    return [make("term", question, term, fault)]


_PLAIN_TERM = re.compile(r"^(?P<term>[^:：;,.()\[\]\"“]{2,50}?)\s*[:：]\s*(?P<body>\S.{8,})$")
"""`Term: what it is` without bold (glossary-style lines and bullets)."""
_PROSE = re.compile(r"[^\W\d_][\w'’-]*(?:\s+\S+){3,}")
"""A plain `Term:` line's text must read as words: at least four, starting with a letter."""
_NOT_PROSE = re.compile(r"://|::|\bhttps?\b|\d{6,}")
_NOT_DEFINING = re.compile(
    r"^(?:While|Whilst|Although|Though|If|When|Whenever|Because|Since|Unlike|Despite|As|Even|But|And|"
    r"Or|So|Yet|However|Also|Instead|Only|Just|Here|Now|Then|Once|After|Before|Until|Like|See|Yes|No)\b"
    r"|^\w+ly\b|^[A-Z]\w+ing\b|^(?:For example|For instance|E\.g\.|I\.e\.|Examples?:|The goal|The aim)"
)
"""An answer opening like this is a remark about the label, not what the term means."""


def _definition_fault(answer: str, front: str, lang: Language) -> str:
    if len([w for w in words(answer) if w.isalpha()]) < (2 if lang.spaced else 1):
        return "the answer is a figure, not what the term means"
    if lang.english and _NOT_DEFINING.match(answer):
        return "the answer is a remark, not what the term means"
    if needs_referent(answer, lang):
        return "the answer points back at something it does not name"
    if answer.endswith(":"):
        return "the answer only introduces a list"
    if gives_away(answer, front, lang):
        return "the answer can be read on the front"
    return ""


_DEFINING = re.compile(
    r"^(?i:a|an|the|also|nicknamed|known|called|short for|abbreviation|any|each|every)\b"
    r"|\b(?:is|are|was|were)\s+(?:a|an|the|when|how|what|used|defined|known|called)\b"
    r"|\b(?:refers? to|means|describes|denotes|stands for|is defined as)\b"
)
"""A meaning that defines: "A set of files…", "X is a…". A bullet label whose text neither
defines it nor uses its words ("China Outreach: Pakistan facilitated…") is the writer's
heading, not a term to recall."""


def _term_fault(
    term: str, first: str, hiding: tuple[str, int], front: str, item: bool, lang: Language
) -> str:
    masked, hidden = hiding
    defining = not lang.english or _DEFINING.search(first) or (hidden == 1 and _TERMLIKE.search(term))
    if item and not defining:
        return "the text says something about the label but does not define it"
    if word_count(first, lang) > MAX_MEANING_WORDS:
        return "the meaning is too long to show whole"
    if hidden > 1:
        return "the term's words are all over its meaning: hiding them garbles it"
    if len(content(masked.replace("…", " "), lang)) < MIN_MEANING_WORDS:
        return "too little of the meaning is left to go on"
    if needs_referent(first, lang):
        return "the meaning points back at something it does not name"
    if gives_away(term, f"{front} {masked}", lang):
        return "the term can be read on the front"
    return ""


_TERMLIKE = re.compile(r"[A-Z]{2,}|\w-\w|\d|[a-z][A-Z]")
"""Acronyms, compounds, numbers and camelCase look like terms even alone."""


def _features(text: str, kind: str, term: str, lang: Language) -> list[tuple[str, float]]:
    """The candidate's named features; `term` is given for a bullet's label (a glossary's terms
    are the glossary's point, so they are not suspected of being labels)."""
    n = word_count(text, lang)
    out = [(f"{kind} of a term", TERM)]
    label = kind == "definition" and len(words(term)) == 1 and not _TERMLIKE.search(term)
    if label and common_word(term, lang):
        out.append(("one everyday word as the term: often the writer's label", EVERYDAY_TERM))
    if n < SHORT_WORDS:
        out.append(("short: little to learn", SHORT_DEFINITION))
    if n > LONG_DEFINITION:
        out.append(("long", LONG))
    return out
