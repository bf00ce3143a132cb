"""The cards a note's author wrote in another tool's syntax, read from the raw lines.

Obsidian Spaced Repetition (`question::answer`, `:::`, multi-line `?` / `??`, `==highlight==`
clozes, `+++` ends a card with blank lines), Logseq (`question #card` with child blocks,
`{{cloze text \\\\ cue}}` in such a block) and Anki's own `{{c1::text::hint}}`. Nothing inside a
code fence, the front matter or an HTML comment is a card, nor is anything in inline code.

The reader does not know `deckgen.yaml`: it records every card the syntaxes allow, with the tags
in force where it stands (`tag_lines`), and `rules/explicit.py` keeps those of flashcard notes.
"""

from __future__ import annotations

import itertools
import re

from ..model import (
    CLOZE_CLOSE,
    CLOZE_OPEN,
    CLOZE_SEP,
    SEPARATORS,
    Explicit,
    ExplicitCard,
    ExplicitKind,
    Separators,
    Syntax,
)
from .cardtext import CODE_SPAN, COMMENT, FENCE, closes, marks_off, strip_lines, written
from .schedule import schedule_of

# Linear patterns: a note of 2 MB must not take minutes. A search for the end of a span (`-->`,
# `}}`, `]]`) stops where the next span of the same kind opens (`(?:(?!<!--).)*?`, `[^\[\]]`),
# so a run of openers that never close is scanned once, not once from each opener.
_SR_COMMENT = re.compile(r"<!--SR:[^<>]*?-->")
TAG = re.compile(r"(?<![\w/#&`\[])#([^\s#,.;:!?'\"()\[\]{}<>`|=*]*[^\W\d][^\s#,.;:!?'\"()\[\]{}<>`|=*]*)")
_LEAD_TAGS = re.compile(r"^(?:\s*#[^\s#]+)+\s*")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s|$)")
_ANKI = re.compile(r"\{\{c(\d+)::((?:(?!\{\{c\d).)+?)(?:::((?:[^{}:]|:(?!:))*))?\}\}", re.S)
_LOGSEQ = re.compile(r"\{\{cloze\s++((?:(?!\{\{cloze\s).)+?)(?:\\\\([^{}\\]*))?\}\}", re.S)
"""Logseq's `{{cloze text \\\\ cue}}`; the spaces around the text and the cue are stripped later."""
_MARKS = re.compile(
    r"==(?=\S)((?:(?!==).)+?)(?<=\S)==|\*\*(?=\S)((?:(?!\*\*).)+?)(?<=\S)\*\*|\{\{(?!c\d+::|cloze\s)([^{}\n]+?)\}\}"
)
"""Spaced Repetition's deletions; like the plugin, none runs across a line break."""
_HINT = re.compile(r"^\^\[([^\]]*)\]")
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+")
_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[.\]\s+)?")
"""A list item's marker and task box (`- [ ] `): a card written in a list starts after it."""
_PROPERTY = re.compile(r"^\s*(?:[-*+]\s+)?[\w-]+::(?:\s|$)")
_CARD_TAG = re.compile(r"(?:^|\s)#(?:card|\[\[card\]\])(?=\s|$)", re.I)
_BRACES = re.compile(r"\{\{[^{}]*\}\}")
_WIKI = re.compile(r"\[\[[^\[\]]*\]\]|\]\([^)\]]*\)")
_CLOZE_CHARS = re.compile(f"[{CLOZE_OPEN}{CLOZE_SEP}{CLOZE_CLOSE}]")


def _masked(lines: list[str], start: int) -> list[bool]:
    """Which lines are code fences, or inside one, or inside an HTML comment (never cards)."""
    out = [True] * start + [False] * (len(lines) - start)
    fence = ""
    comment = False
    for i in range(start, len(lines)):
        line = lines[i]
        if fence:
            out[i] = True
            if closes(line, fence):
                fence = ""
        elif comment:
            out[i] = True
            comment = "-->" not in line
        elif m := FENCE.match(line):
            out[i], fence = True, m.group(1)
        elif line.lstrip().startswith("<!--") and not line.lstrip().startswith("<!--SR:"):
            out[i] = True
            comment = "-->" not in line
    return out


def _body_start(lines: list[str]) -> int:
    """Index of the first line after the front matter."""
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                return i + 1
    return 0


def _spaces(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def _no_code(line: str, fill: bool = False) -> str:
    """The line with inline code and comments blanked out (same length); with `fill`, inline
    code becomes a run of `x` instead, so that a highlight around it (`==`code`==`) still
    stands while no mark inside it counts."""
    if "`" in line:  # most lines have neither: skip the patterns that cannot match
        line = CODE_SPAN.sub((lambda m: "x" * len(m.group(0))) if fill else _spaces, line)
    return COMMENT.sub(_spaces, line) if "<!--" in line else line


def _marks(text: str) -> list[re.Match[str]]:
    """The Spaced Repetition deletions of a text, outside inline code and comments (the
    matches index `text` itself: the masked copy has its length)."""
    return list(_MARKS.finditer("\n".join(_no_code(ln, fill=True) for ln in text.split("\n"))))


def _bare(line: str) -> str:
    """`_no_code`, and links and `{{…}}` blanked out too: where separators and tags are looked for."""
    line = _no_code(line)
    if "{{" in line:  # each of these three patterns needs it
        for pattern in (_ANKI, _LOGSEQ, _BRACES):
            line = pattern.sub(_spaces, line)
    return _WIKI.sub(_spaces, line) if "[[" in line or "](" in line else line


def tags_of(line: str) -> tuple[str, ...]:
    """The `#tags` of one line (not those in inline code or links)."""
    if "#" not in line:  # most lines: the tag pattern would scan every position for nothing
        return ()
    return tuple(f"#{m.group(1)}" for m in TAG.finditer(_bare(line)))


def _cloze(head: str, text: str, hint: str = "") -> str:
    inner = CLOZE_SEP.join((head, written(text), *([written(hint)] if hint.strip() else [])))
    return f"{CLOZE_OPEN}{inner}{CLOZE_CLOSE}"


def _anki_clozes(text: str) -> str:
    """Anki's and Logseq's deletions, numbered as written (Logseq's are all asked at once)."""
    text = _ANKI.sub(lambda m: _cloze(m.group(1), m.group(2), m.group(3) or ""), text)
    return written(_LOGSEQ.sub(lambda m: _cloze("1", m.group(1), m.group(2) or ""), text))


def _sr_clozes(text: str) -> str:
    """`==x==`, `**x**` and `{{x}}` as deletions marked by their delimiter; a `^[hint]` right
    after one is its hint."""
    out: list[str] = []
    at = 0
    for m in _marks(text):
        group = next(g for g in (1, 2, 3) if m.group(g))
        hint = _HINT.match(text, m.end())
        mark, inner = "=*{"[group - 1], text[m.start(group) : m.end(group)]
        deletion = _cloze(mark, inner, hint.group(1) if hint else "")
        out += [marks_off(text[at : m.start()], markdown=True), deletion]
        at = hint.end() if hint else m.end()
    return strip_lines("".join(out) + marks_off(text[at:], markdown=True))


def resolve_clozes(text: str, marks: str) -> str:
    """Number the Spaced Repetition deletions whose delimiter is in `marks` (after any
    number already taken); the others become text again, a `**bold**` one bold."""
    numbered = [int(n) for n in re.findall(f"{CLOZE_OPEN}(\\d+){CLOZE_SEP}", text)]
    counter = itertools.count(max(numbered, default=0) + 1)

    def one(m: re.Match[str]) -> str:
        head, rest = m.group(1), m.group(2)
        if head.isdigit():
            return m.group(0)
        if head not in marks:
            return f"**{rest.split(CLOZE_SEP)[0]}**" if head == "*" else rest.split(CLOZE_SEP)[0]
        return f"{CLOZE_OPEN}{next(counter)}{CLOZE_SEP}{rest}{CLOZE_CLOSE}"

    return re.sub(f"{CLOZE_OPEN}([^{CLOZE_SEP}]+){CLOZE_SEP}([^{CLOZE_CLOSE}]*){CLOZE_CLOSE}", one, text)


def has_clozes(text: str) -> bool:
    """Whether the text holds a numbered deletion."""
    return bool(re.search(f"{CLOZE_OPEN}\\d+{CLOZE_SEP}", text))


class _Reader:
    """One walk over a note's lines."""

    def __init__(self, source: str, seps: Separators) -> None:
        self.seps = seps
        self.raw = _CLOZE_CHARS.sub("", source).split("\n")
        self.start = _body_start(self.raw)
        self.masked = _masked(self.raw, self.start)
        self.lines = [_SR_COMMENT.sub(_spaces, ln) if "<!--SR:" in ln else ln for ln in self.raw]
        self.bare = ["" if m else _bare(ln) for m, ln in zip(self.masked, self.lines, strict=True)]
        self.cards: list[ExplicitCard] = []

    def blank(self, i: int) -> bool:
        return not self.masked[i] and not self.lines[i].strip()

    def stop(self, i: int) -> bool:
        """A line no card runs across: a heading, a tag line, a separator, the end marker."""
        if self.masked[i]:
            return False
        b = self.bare[i].strip()
        return bool(
            _HEADING.match(self.lines[i]) or b in (*self.seps.lines(), self.seps.end)
            or self.seps.single(self.bare[i])[1] > 0
            or (b and not _LEAD_TAGS.sub("", b))
        )  # fmt: skip

    def next_question(self, i: int) -> bool:
        """Whether line `i` is the question of a card whose `?` line follows it right away."""
        k = i + 1
        return (
            k < len(self.lines) and not self.masked[i] and not self.reviewed(i) and not self.masked[k]
            and self.bare[k].strip() in self.seps.lines()
        )  # fmt: skip

    def reviewed(self, i: int) -> bool:
        """The plugin writes its review comment right after a card: it ends the card."""
        return "<!--SR:" in self.raw[i]

    def text(self, a: int, b: int) -> str:
        return "\n".join(self.lines[a:b])

    def extended(self, end: int) -> int:
        """A card that stops at a blank line runs on to a `+++` line when one follows before
        anything that starts another card; the index after the card's last line."""
        for k in range(end, len(self.lines)):
            if not self.masked[k] and self.bare[k].strip() == self.seps.end:
                return k
            if self.stop(k):
                break
        return end

    def run(self) -> list[ExplicitCard]:
        i = self.start
        while i < len(self.lines):
            i = self.step(i)
        return self.cards

    def step(self, i: int) -> int:
        if self.masked[i] or self.blank(i) or _HEADING.match(self.lines[i]):
            return i + 1
        if self.unit(i):
            return self.logseq(i)
        sep, at = self.seps.single(self.bare[i])
        if sep:
            self.single(i, sep, at)
            return i + 1
        if self.stop(i):
            return i + 1
        j = i
        while (
            j < len(self.lines) and not self.blank(j) and not (j > i and (self.stop(j) or self.unit(j)))
            and self.bare[j].strip() not in self.seps.lines()
        ):  # fmt: skip
            j += 1
            if self.reviewed(j - 1):
                break
        if j < len(self.lines) and self.bare[j].strip() in self.seps.lines():
            return self.multiline(i, j)
        return self.paragraph(i, j)

    def card_tag(self, i: int) -> bool:
        return not self.masked[i] and bool(_CARD_TAG.search(_no_code(self.lines[i])))

    def anki(self, i: int) -> bool:
        """Whether the line holds an Anki deletion (Logseq's count only in a `#card` block)."""
        return not self.masked[i] and bool(_ANKI.search(_no_code(self.lines[i])))

    def unit(self, i: int) -> bool:
        """Whether the line starts a block that is a card by itself (Logseq's or Anki's)."""
        return bool(_ITEM.match(self.lines[i])) and (self.card_tag(i) or self.anki(i))

    def single(self, i: int, sep: str, at: int) -> None:
        line = self.lines[i]
        question, answer = line[:at], line[at + len(sep) :]
        tags = tags_of(question) if question.lstrip()[:1] == "#" else ()
        question = _MARKER.sub("", _LEAD_TAGS.sub("", question) if tags else question, count=1)
        kind: ExplicitKind = "reversed" if sep == self.seps.inline_reversed else "basic"
        self.add(kind, "sr", written(question), written(answer), i, i, tags)

    def multiline(self, i: int, s: int) -> int:
        """`question` / `?` / `answer`: the answer runs to a blank line, a review comment or a
        `+++` line; a blank line right after the `?` is allowed (Obsidian needs one before a table).
        A `?` line under the answer starts the next card: the line above it is that card's question."""
        a = s + 1
        while a < len(self.lines) and self.blank(a):
            a += 1
        b = a
        while b < len(self.lines) and not self.blank(b) and not self.stop(b):
            b += 1
            if self.reviewed(b - 1):
                break
        if b - 1 > a and self.next_question(b - 1):
            b -= 1
        if b < len(self.lines) and self.blank(b) and not self.reviewed(b - 1):
            b = self.extended(b)
        first = self.lines[i]
        tags = tags_of(first) if first.lstrip()[:1] == "#" else ()
        question = self.text(i, s)
        question = _MARKER.sub("", _LEAD_TAGS.sub("", question) if tags else question, count=1)
        kind: ExplicitKind = "reversed" if self.bare[s].strip() == self.seps.multiline_reversed else "basic"
        self.add(kind, "sr", written(question), written(self.text(a, b)), i, b - 1, tags)
        return max(b, s + 1)

    def paragraph(self, i: int, j: int) -> int:
        """A paragraph holding deletions is a cloze card; Anki's and Logseq's count everywhere,
        Spaced Repetition's only in flashcard notes (see `rules/explicit.py`)."""
        text = self.text(i, j)
        bare = "\n".join(_no_code(ln) for ln in self.lines[i:j])
        if _ANKI.search(bare):
            self.add("cloze", "anki", _anki_clozes(text), "", i, j - 1)
        elif _marks(text):
            end = self.extended(j) if j < len(self.lines) and not self.reviewed(j - 1) else j
            self.add("cloze", "sr", _sr_clozes(_MARKER.sub("", self.text(i, end), count=1)), "", i, end - 1)
            return end + 1 if end > j else j
        return j

    def logseq(self, i: int) -> int:
        """A block tagged `#card` asks its text and answers with its children; a block holding
        a deletion is a cloze card. Properties (`key:: value`) are not part of either."""
        depth = len(self.lines[i].expandtabs(4)) - len(self.lines[i].expandtabs(4).lstrip())
        k = i + 1
        while (
            k < len(self.lines)
            and self.lines[k].strip()
            and (len(self.lines[k].expandtabs(4)) - len(self.lines[k].expandtabs(4).lstrip()) > depth)
        ):
            k += 1
        own = i + 1
        while own < k and not _ITEM.match(self.lines[own]):
            own += 1
        keep = [ln for ln in self.lines[i:own] if not _PROPERTY.match(ln)]
        head = _ITEM.sub("", "\n".join(keep), count=1)
        children = [_ITEM.sub("", ln) for ln in self.lines[own:k] if not _PROPERTY.match(ln)]
        if self.card_tag(i):
            head = _CARD_TAG.sub(" ", head)
        if _ANKI.search(_no_code(head)) or (self.card_tag(i) and _LOGSEQ.search(_no_code(head))):
            syntax: Syntax = "anki" if _ANKI.search(_no_code(head)) else "logseq"
            self.add("cloze", syntax, _anki_clozes(head), written("\n".join(children)), i, k - 1)
        else:
            self.add("basic", "logseq", written(head), written("\n".join(children)), i, k - 1)
        return k if self.card_tag(i) else own

    def add(
        self, kind: ExplicitKind, syntax: Syntax, question: str, answer: str, a: int, b: int,
        tags: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        if question.strip() and (answer.strip() or kind == "cloze"):
            schedule = schedule_of(self.raw, a, b)
            self.cards.append(ExplicitCard(kind, syntax, question, answer, a + 1, b + 1, tags, schedule))


def read_explicit(source: str, meta: dict[str, object], seps: Separators = SEPARATORS) -> Explicit:
    """The note's hand-written cards, its tag lines, and its front matter's `generate:`."""
    reader = _Reader(source, seps)
    cards = tuple(reader.run())
    own = {c.line for c in cards if c.tags}  # a card's own tags apply to it alone
    tag_lines = tuple(
        (i + 1, tags)
        for i, b in enumerate(reader.bare)
        if b and i + 1 not in own and (tags := tags_of(reader.lines[i]))
    )
    generate = meta.get("generate")
    return Explicit(cards, tag_lines, generate if isinstance(generate, bool) else None)
