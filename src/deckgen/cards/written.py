"""A hand-written card's Markdown → HTML, as Obsidian shows it (markdown-it-py renders it).

Obsidian renders a card's Markdown (bold, italics, code, lists, tables, fenced code) and lets
HTML through; here only the tags in `KEPT_TAGS`, written bare (no attribute), stay tags, and every
other tag the author wrote is shown as text, escaped. `render.py` cleans the result with nh3 as
for every field. Generated cards never come here: their text is escaped whole.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

KEPT_TAGS = frozenset("br b i strong em u mark sub sup code pre ul ol li table thead tbody tr th td".split())
"""The HTML tags a hand-written card keeps, when written without attributes: line breaks,
emphasis, sub- and superscript, code, lists and tables."""
MADE_TAGS = frozenset("p blockquote hr h1 h2 h3 h4 h5 h6 s".split())
"""Tags only the Markdown renderer writes (a paragraph, a quote, a rule, a heading, a strike)."""
_BARE_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\s*/?>")
_TAG = re.compile(r"<[^<>]*>?")
_TASK = re.compile(r"\[([ xX])\] ")
"""A task list item's box, `- [ ] item`: Obsidian draws it as a check box."""


def _tag(written: str, env: EnvType) -> str:
    """One tag as written: a kept tag without attributes as the tag (`</br>` is a break, as
    browsers read it), anything else as text; a closing tag too when its opening was text."""
    m = _BARE_TAG.fullmatch(written)
    if m is None or m.group(2).lower() not in KEPT_TAGS:
        return escape(written)
    name = m.group(2).lower()
    if name == "br":
        return "<br>"
    opened = env.setdefault("open", {})
    if m.group(1) and not opened.get(name):
        return escape(written)
    opened[name] = opened.get(name, 0) + (-1 if m.group(1) else 1)
    return f"<{m.group(1)}{name}>"


def _html_inline(
    _: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return _tag(tokens[idx].content, env)


def _html_block(
    _: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    out, at = [], 0
    content = tokens[idx].content
    for m in _TAG.finditer(content):
        out += [escape(content[at : m.start()]), _tag(m.group(0), env)]
        at = m.end()
    return "".join(out) + escape(content[at:])


def _verbatim(_: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return escape(tokens[idx].content)


def _softbreak(_: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return "<br>" if options.breaks else "\n"


def _fence(_: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """A fenced or indented block of code, its lines kept (the language is not shown)."""
    return f"<pre><code>{escape(tokens[idx].content)}</code></pre>\n"


def _verbatim_rule(pattern: re.Pattern[str]) -> Callable[[StateInline, bool], bool]:
    """An inline rule keeping what `pattern` matches (formulas, image embeds) as written, so that
    Markdown reads no emphasis or escape inside it; `render.py` shows it later."""

    def rule(state: StateInline, silent: bool) -> bool:
        m = pattern.match(state.src, state.pos)
        if m is None or m.end() == state.pos:
            return False
        if not silent:
            state.push("verbatim", "", 0).content = m.group(0)
        state.pos = m.end()
        return True

    return rule


def _tasks(state: StateCore) -> None:
    """`- [ ] item` and `- [x] item` as Obsidian shows them: a box before the item's text."""
    tokens = state.tokens
    for i, token in enumerate(tokens[2:], start=2):
        if token.type == "inline" and tokens[i - 2].type == "list_item_open" and token.children:
            first = token.children[0]
            if first.type == "text" and (m := _TASK.match(first.content)):
                first.content = ("☐ " if m.group(1) == " " else "☑ ") + first.content[m.end() :]


@functools.lru_cache(maxsize=4)
def _parser(breaks: bool, verbatim: re.Pattern[str]) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "breaks": breaks}).enable(["table", "strikethrough"])
    md.inline.ruler.before("escape", "verbatim", _verbatim_rule(verbatim))
    md.core.ruler.push("tasks", _tasks)
    for name, rule in (("html_inline", _html_inline), ("html_block", _html_block),
                       ("verbatim", _verbatim), ("fence", _fence), ("code_block", _fence),
                       ("softbreak", _softbreak)):  # fmt: skip
        md.add_render_rule(name, rule)
    return md


def markdown_html(text: str, *, breaks: bool, verbatim: re.Pattern[str]) -> str:
    """A hand-written card's text as HTML: one paragraph as its inline HTML alone, more as blocks;
    a single newline a line break when `breaks`; what `verbatim` matches escaped as written."""
    md = _parser(breaks, verbatim)
    tokens = md.parse(text)
    if [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]:
        tokens = tokens[1:2]
    return str(md.renderer.render(tokens, md.options, {})).strip("\n")
