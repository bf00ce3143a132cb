"""A definitional sentence → "What is X?": "A transformer is a neural network architecture that…".

Notes without timestamps or bold terms still define things in plain sentences; this rule finds
the ones shaped like a definition (a short noun phrase, then `is`/`are`, then what it is) and asks
for the definition. Timestamps are kept when the sentence has them.
"""

from __future__ import annotations

import re

from ..lang import Language
from ..model import Block, Candidate, Note
from ..text import STOPWORDS, slug, words
from .common import make_candidate as candidate
from .common import topic_text
from .context import RuleContext
from .definition import is_term, short_answer
from .sentences import block_sentences, needs_referent
from .stems import gives_away, overlap, stems
from .weights import DEFINITIONAL, MAX_SUBJECT_WORDS, MIN_DEFINITION_WORDS

_DEFINING = re.compile(
    r"^(?P<subject>(?:(?:A|An|The)\s+)?[^\s,;:()\"“]+(?:\s+[^\s,;:()\"“]+){0,5}?)\s+"
    r"(?P<verb>is|are)\s+"
    r"(?P<predicate>(?:a|an|the|one of|used|defined|known|called|made|when|how|what)\b.{12,})$"
)
"""`Subject is a/an/the …`: the predicate must open like a definition, not an opinion ("is great")."""
_NOT_SUBJECT = frozenset(
    """this that these those it its they there here which who what where when why how he she we you
    i one each every some any all both such other another if even though although while because since
    unless until whether as so but and or also then now only""".split()
)
_RANKING = re.compile(
    r"^(?:the\s+)?(?:only|best|most|easiest|simplest|first|last|main|key|perfect|same|biggest|largest|"
    r"hardest|worst|next|other|second|third|former|latter)\b",
    re.I,
)
"""A subject or predicate that ranks ("the only thing", "the easiest") is a judgement, not a definition."""


def definitional_rule(note: Note, block: Block, ctx: RuleContext) -> list[Candidate]:
    """Each sentence shaped like a definition → "What is X?" → what it is (English notes)."""
    out: list[Candidate] = []
    lang = ctx.lang
    if not lang.english:
        return out
    for s in block_sentences(block, lang)[1:] if block.term else block_sentences(block, lang):
        m = _DEFINING.match(s.text.rstrip(".!"))
        if m is None:
            continue
        subject, verb, predicate = m["subject"], m["verb"], m["predicate"].strip()
        if not _is_subject(subject, lang) or _RANKING.match(subject) or _RANKING.match(predicate):
            continue
        answer = short_answer(predicate[0].upper() + predicate[1:] + ".", lang)
        shown = subject[0].lower() + subject[1:] if subject.split()[0] in ("A", "An", "The") else subject
        if len(subject.split()) > 1 and all(w[:1].isupper() for w in subject.split()) and shown == subject:
            verb = "Who is" if verb == "is" else "Who are"  # "Bryan Kaplan is a proponent of…"
        else:
            verb = f"What {verb}"
        front = f"{topic_text(note, block)} {subject}"
        reject = ""
        if not answer or ":" in answer or len(words(answer)) < MIN_DEFINITION_WORDS:
            reject = "the definition is too long, too short or runs into a list"
        elif overlap(stems(answer, lang), stems(subject, lang)):
            reject = "the definition repeats the words it defines"
        elif gives_away(answer, front, lang):
            reject = "the answer can be read on the front"
        out.append(
            candidate(note, block, rule="definitional", kind="definition", claim_kind="definition",
                      key=f"def:{slug(subject)}", question=f"{verb} {shown}?", answer=answer,
                      context=s.text, lead="", stamps=s.stamps, reject=reject,
                      features=[("definitional sentence", DEFINITIONAL)], unit=f"{block.line}:{s.index}")
        )  # fmt: skip
    return out


def _bare(subject: str) -> str:
    """The subject without its article."""
    first, _, rest = subject.partition(" ")
    return rest if first in ("A", "An", "The") and rest else subject


def _is_subject(subject: str, lang: Language) -> bool:
    ws = [w.lower() for w in words(subject)]
    if not ws or ws[0] in _NOT_SUBJECT or needs_referent(subject, lang) or not is_term(_bare(subject), lang):
        return False
    if ws[-1] in STOPWORDS or ws[-1] in _NOT_SUBJECT:
        return False  # "the real goodness in all this"
    if ws[0].endswith("ing"):
        return False  # "Providing constructive feedback is a skill": an activity, asked awkwardly
    content = [w for w in ws if w not in STOPWORDS and w not in ("a", "an", "the")]
    return 1 <= len(content) <= MAX_SUBJECT_WORDS and not any(w in ("that", "which", "who") for w in ws)
