"""Markdown text → blocks, with markdown-it-py: the `Parser` deckgen uses.

The only module (with `inline.py`, which reads the inline tokens it hands over) that knows
markdown-it-py. The block tokens become a tree of `_Node`s, and one walk over that tree turns
paragraphs and list items into `Block`s, carrying the headings above them, the lead-in of each list
and the term of each definition.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ..errors import NoteError
from ..model import Block, Problem, SourceRef
from ..text import EMBED_PLACEHOLDER, sentences
from .inline import glossary_term, math_inline, read_inline, split_term, stamp_anchor
from .parser import ParsedMarkdown

_MAX_NESTING = 128
"""markdown-it-py's limit on nested blocks (a list level counts twice): more than the 50 levels
people might write. Deeper text is not read. At the limit, walking the tree (two frames a level)
takes about 260 of Python's 1000 stack frames; parsing takes fewer."""
_INLINE_NESTING = 20
"""The limit on nested links and emphasis, markdown-it-py's default. Each unmatched `[` costs
time in proportion to it, so it stays low."""


def _nesting(limit: int) -> Callable[[StateCore], None]:
    """A core rule that sets the nesting limit for the rules after it."""

    def rule(state: StateCore) -> None:
        state.md.options["maxNesting"] = limit

    return rule


_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(front_matter_plugin).use(deflist_plugin)
# `$…$` math stays as written, paired as Obsidian pairs it (`inline.INLINE_MATH`); `$$…$$` blocks
# are the plugin's.
_MD.use(dollarmath_plugin, allow_space=False, allow_digits=False, allow_labels=False)
_MD.inline.ruler.at("math_inline", math_inline)
_MD.inline.ruler.before("html_inline", "yt_stamp", stamp_anchor)
# markdown-it-py has one `maxNesting` for blocks and inlines: set it before each phase.
_MD.core.ruler.before("normalize", "block_nesting", _nesting(_MAX_NESTING))
_MD.core.ruler.before("inline", "inline_nesting", _nesting(_INLINE_NESTING))

_SOURCE = re.compile(r"^\W*From\W*:?\W*\[\[([^\[\]|]+?)(?:\s*\|\s*([^\[\]]+?))?\]\]", re.I)
_RUNAWAY = re.compile(r"\s*(<!--|<(?:script|pre|style|textarea)\b)", re.I)
_NEWLINE = re.compile(r"\r\n?|\n")
_CALLOUT = re.compile(r"\[![\w-]+\][+-]?")
"""An Obsidian callout's first line, `> [!info] Title`: the marker and its title are no claim."""
_STAMP_LINE = re.compile(r"\s*(?:<a\b[^>]*yt-timestamp[^>]*>)?[\[(]?\d{1,2}:\d{2}")
"""A line that starts with its timestamp, as Media Notes writes `[09:17]() - text`."""
_TERM_LINE = re.compile(
    r"\s*(?:\*\*[^*\n]{1,50}:\*\*|(?:\*\*[^*\n]{1,50}\*\*|`[^`\n]{1,50}`|[^\s:`*{][^:`*\n.,;()\"“]{0,49}?)\s*:(?!:|//))\s*\S"
)
"""A line that opens with its label, `Term: what it is` (the label bold, code, or plain words
without a sentence's punctuation; the colon not a URL's)."""
_EMBED_LINE = re.compile(r"\s*!(?:\[\[[^\[\]]*\]\]|\[[^\[\]]*\]\([^()]*\))\s*$")
"""A line holding an image (or other embed) alone."""


def _glossary(texts: list[str]) -> bool:
    """Whether a paragraph's lines are terms, each with what it means, one a line (with
    images between them): Obsidian shows each on its own line, so each is read on its own."""
    terms = [t for t in texts if not _EMBED_LINE.match(t)]
    # a line leaving a bracket open runs on into the next: a wrapped sentence, not a glossary
    return len(terms) > 1 and all(_TERM_LINE.match(t) and t.count("(") <= t.count(")") for t in terms)


def parse_markdown(source: str, path: str) -> ParsedMarkdown:
    """Markdown `source` → its blocks and problems; `path` names the note in them."""
    walk = _Walk(path)
    try:
        tokens = _MD.parse(source)
        walk.children(_tree(tokens))
    except RecursionError:  # only when the caller has left little of the stack: see _MAX_NESTING
        raise NoteError(
            path, 1, "the note is nested too deeply to read — use fewer levels of lists and quotes"
        ) from None
    return ParsedMarkdown(
        front_matter=walk.front_matter,
        blocks=tuple(walk.blocks),
        source_id=walk.source_id,
        source_name=walk.source_name,
        problems=(*_structure_problems(tokens, source, path), *walk.problems),
        tags=tuple(dict.fromkeys(walk.tags)),
    )


def block_spans(source: str) -> list[tuple[str, int, int, int, str]]:
    """Each block of Markdown `source`, outermost first, as (kind, level, first line, end line,
    heading text), for finding what an embed shows (`embeds.py`): kind is markdown-it-py's type
    without `_open` (`paragraph`, `list_item`, `heading`, `table`…); level is a heading's level,
    else how deep the block is nested; lines count from 0, the end excluded; a heading's text
    as read, '' for other blocks."""
    tokens = _MD.parse(source)
    spans: list[tuple[str, int, int, int, str]] = []
    for i, tok in enumerate(tokens):
        if tok.nesting == -1 or tok.map is None or tok.type == "inline":
            continue
        kind = tok.type.removesuffix("_open")
        heading = kind == "heading" and i + 1 < len(tokens)
        text = read_inline(tokens[i + 1].children or []).text if heading else ""
        spans.append((kind, int(tok.tag[1:]) if heading else tok.level, tok.map[0], tok.map[1], text))
    return spans


@dataclass(slots=True)
class _Node:
    """A block of the token stream with the blocks inside it: markdown-it-py's `SyntaxTreeNode`
    without what the walk never reads (it builds a node for every inline token as well, which
    took a sixth of the read)."""

    type: str
    """The token's type, without `_open` for a block that holds others (`bullet_list`)."""
    token: Token
    """The token itself, or the opening token of a block that holds others."""
    nester_tokens: bool = False
    """Whether the block can hold others (it has opening and closing tokens)."""
    children: list[_Node] = field(default_factory=list)

    @property
    def tag(self) -> str:
        return self.token.tag

    @property
    def content(self) -> str:
        return self.token.content

    @property
    def map(self) -> list[int] | None:
        return self.token.map


def _tree(tokens: list[Token]) -> _Node:
    """The block tokens as a tree (inline tokens keep their children as tokens)."""
    root = _Node("root", Token("root", "", 0), True)
    open_nodes = [root]
    for tok in tokens:
        if tok.nesting == -1:
            open_nodes.pop()
        elif tok.nesting == 1:
            node = _Node(tok.type.removesuffix("_open"), tok, True)
            open_nodes[-1].children.append(node)
            open_nodes.append(node)
        else:
            open_nodes[-1].children.append(_Node(tok.type, tok))
    return root


@dataclass(slots=True)
class _List:
    """A list being walked."""

    id: int
    lead: str
    """The sentence that introduces the list, or its parent item's term."""
    items: list[int] = field(default_factory=list)
    """Indexes in `_Walk.blocks` of the list's items."""


@dataclass(slots=True)
class _Walk:
    """One walk over a note's tree: what it has found so far, and where it is."""

    path: str
    front_matter: str = ""
    blocks: list[Block] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    source_id: str = ""
    source_name: str = ""
    headings: list[tuple[int, str]] = field(default_factory=list)
    section: tuple[str, ...] = ()
    """The non-empty headings' texts, outermost first: every block below them carries it."""
    lists: list[_List] = field(default_factory=list)
    """The open lists, innermost last."""
    item_first: list[bool] = field(default_factory=list)
    """Per open list item: is its next paragraph its first (the item's text)?"""
    prev_para: str = ""
    """The text of the last paragraph outside lists: its last sentence may introduce a list."""
    glossary_term: str = ""
    """The term of a definition list (`term` then `:   definition`), until its definition."""
    next_list: int = 0
    tags: list[str] = field(default_factory=list)
    """The text's `#tags`, in order."""

    def children(self, node: _Node) -> None:
        after = ""
        for i, child in enumerate(node.children):
            self.visit(child, after_paragraph=after == "paragraph", opens_dd=i == 0 and node.type == "dd")
            after = child.type

    def visit(self, node: _Node, after_paragraph: bool, opens_dd: bool) -> None:
        """Read one node; `after_paragraph`: it follows a paragraph; `opens_dd`: it starts a definition."""
        kind = node.type
        if kind == "paragraph":
            self.paragraph(node, opens_dd)
        elif kind == "list_item":
            self.item_first.append(True)
            self.children(node)
            self.item_first.pop()
        elif kind in ("bullet_list", "ordered_list"):
            self.walk_list(node, after_paragraph)
        elif kind == "heading":
            self.heading(node)
        elif kind == "dt":
            self.glossary_term = glossary_term(_inline(node).children or [])
        elif kind == "front_matter":
            self.front_matter = node.content
        elif node.nester_tokens and kind != "table":  # blockquote, dl, dd; a table has no paragraphs
            self.children(node)

    def walk_list(self, node: _Node, after_paragraph: bool) -> None:
        if self.lists and self.blocks and self.blocks[-1].list_id == self.lists[-1].id:
            parent = self.blocks[-1]  # a nested list: its parent item introduces it
            lead = parent.term or (sentences(parent.text) or [""])[0]
        else:
            lead = (sentences(self.prev_para) or [""])[-1] if after_paragraph else ""
        self.lists.append(current := _List(self.next_list, lead))
        self.next_list += 1
        self.children(node)
        self.lists.pop()
        self.prev_para = ""
        for n, i in enumerate(current.items, 1):
            self.blocks[i] = replace(
                self.blocks[i], list_size=len(current.items), list_last=n == len(current.items)
            )

    def heading(self, node: _Node) -> None:
        level = int(node.tag[1:])
        inline = read_inline(_inline(node).children or [])
        self.problems += [Problem(SourceRef(self.path, _line(node)), msg) for msg in inline.problems]
        self.tags += inline.tags
        self.headings = [(lv, t) for lv, t in self.headings if lv < level] + [(level, inline.text)]
        self.section = tuple(t for _, t in self.headings if t)
        self.prev_para = ""

    def paragraph(self, node: _Node, opens_dd: bool) -> None:
        tok = _inline(node)
        m = _SOURCE.match(tok.content)
        if m and not self.source_id:
            self.source_id = m.group(1).strip()
            self.source_name = (m.group(2) or m.group(1)).strip()
            return
        children, line = tok.children or [], _line(tok)
        lines = _lines(children)
        if _CALLOUT.match(tok.content):  # the title, without its marker, is a block of its own
            if title := _unmarked(lines[0]):
                self.add_paragraph(title, line, opens_dd)
            lines, line = lines[1:], line + 1
            children = [t for part in _join(lines) for t in part]
        texts = tok.content.split("\n")[len(_lines(tok.children or [])) - len(lines) :]
        by_line = len(lines) > 1 and len(texts) == len(lines)
        if by_line and (all(_STAMP_LINE.match(t) for t in texts) or _glossary(texts)):
            # Media Notes: each stamped line is its own moment; a glossary: each line its own term
            for n, part in enumerate(lines):
                self.add_paragraph(part, line + n, opens_dd and n == 0)
        elif children:
            self.add_paragraph(children, line, opens_dd)

    def add_paragraph(self, children: list[Token], line: int, opens_dd: bool) -> None:
        """One paragraph's (or one line's) block."""
        is_item = bool(self.item_first) and self.item_first[-1]
        if self.item_first:
            self.item_first[-1] = False
        term, children = split_term(children)
        if self.glossary_term and opens_dd:  # a definition's first paragraph
            term, self.glossary_term = self.glossary_term, ""
        inline = read_inline(children)
        self.problems += [Problem(SourceRef(self.path, line), msg) for msg in inline.problems]
        self.tags += inline.tags
        if not term and (not inline.text or not EMBED_PLACEHOLDER.sub("", inline.text).strip()):
            return  # an image alone is no claim
        lead_in, list_id = "", -1
        if is_item:
            lead_in, list_id = self.lists[-1].lead, self.lists[-1].id
            self.lists[-1].items.append(len(self.blocks))
        self.blocks.append(
            Block(
                kind="item" if is_item else "paragraph", text=inline.text, stamps=inline.stamps,
                emphasis=inline.emphasis, links=inline.links,
                headings=self.section, line=line, term=term,
                lead_in=lead_in, list_id=list_id,
            )
        )  # fmt: skip
        if not self.lists:  # split into sentences only when a list follows: most paragraphs have none
            self.prev_para = inline.text


def _inline(node: _Node) -> Token:
    """The inline token of a paragraph, heading or definition term (markdown-it-py gives each one)."""
    first = node.children[0] if node.children else None
    return first.token if first is not None and not first.nester_tokens else Token("inline", "", 0)


def _line(node: _Node | Token) -> int:
    return node.map[0] + 1 if node.map else 0


def _lines(children: list[Token]) -> list[list[Token]]:
    """Inline tokens split at line breaks."""
    lines: list[list[Token]] = [[]]
    for tok in children:
        if tok.type in ("softbreak", "hardbreak"):
            lines.append([])
        else:
            lines[-1].append(tok)
    return lines


def _unmarked(line: list[Token]) -> list[Token]:
    """A callout's title line without its `[!info]` marker (it starts the line's first text)."""
    at = next((i for i, t in enumerate(line) if t.type == "text"), -1)
    if at < 0:
        return line
    text = _CALLOUT.sub("", line[at].content, count=1).lstrip()
    return [*line[:at], Token("text", "", 0, content=text), *line[at + 1 :]]


def _join(lines: list[list[Token]]) -> list[list[Token]]:
    """Lines back into one run of inline tokens, a soft break between each."""
    return [
        [*part, Token("softbreak", "br", 0)] if n < len(lines) - 1 else part for n, part in enumerate(lines)
    ]


def _structure_problems(tokens: list[Token], source: str, path: str) -> list[Problem]:
    """Unclosed code fences and HTML blocks (they swallow the text after them), and text nested
    too deeply to be read."""
    lines = _NEWLINE.split(source)
    problems: list[Problem] = []
    for tok in tokens:
        if tok.type == "fence" and tok.map and not _fence_closed(tok, lines):
            why = (f"code block is never closed, so the text after it is read as code — "
                   f"add a {tok.markup} line where the code ends")  # fmt: skip
            problems.append(Problem(SourceRef(path, tok.map[0] + 1), why))
        elif tok.type == "html_block" and (m := _RUNAWAY.match(tok.content)):
            opener = m.group(1).lower()
            closer = "-->" if opener == "<!--" else f"</{opener[1:]}>"
            if closer not in tok.content.lower():
                why = (f"HTML {opener}{'' if opener == '<!--' else '>'} is never closed, so the "
                       f"text after it is skipped — close it with {closer}")  # fmt: skip
                problems.append(Problem(SourceRef(path, tok.map[0] + 1 if tok.map else 1), why))
    if deep := next((t for t in tokens if t.level >= _MAX_NESTING - 1), None):
        line = deep.map[0] + 1 if deep.map else 1
        problems.append(
            Problem(
                SourceRef(path, line), "lists and quotes nested this deep are not read — use fewer levels"
            )
        )
    return problems


def _fence_closed(tok: Token, lines: list[str]) -> bool:
    start, end = tok.map or (0, 0)
    last = lines[end - 1].lstrip(" \t>") if start < end - 1 < len(lines) else ""
    return len(last.strip()) >= len(tok.markup) and set(last.strip()) == {tok.markup[0]}
