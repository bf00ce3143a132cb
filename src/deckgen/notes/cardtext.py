"""Hand-written card text: as its author wrote it (`written`, the Markdown `cards/written.py`
renders), or as plain text (`plain`: what a card's identity and comparisons are made of).

Both take review comments off, write links as their text and embeds as the placeholder the reader
writes everywhere. `written` keeps emphasis, inline code and fenced code blocks with their fences;
`plain` takes their marks off and keeps a fenced block's lines alone. `plain(written(x))` has the
words of `plain(x)`: identity keys made from it did not change when `written` came.
"""

from __future__ import annotations

import re

from .inline import image_placeholder, placeholder

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
COMMENT = re.compile(r"<!--(?:(?!<!--).)*?-->", re.S)


def closes(line: str, fence: str) -> bool:
    """Whether `line` ends the code block `fence` opened (as long a run of the same character)."""
    return line.strip().startswith(fence) and not line.strip().strip(fence[0])


_ALIASED = re.compile(r"\[\[([^\[\]|]+)\|([^\[\]]+)\]\]")
_LINKED = re.compile(r"\[\[([^\[\]]+)\]\]")
_MD_LINK = re.compile(r"\[([^\[\]]+)\]\([^)\[\]]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|==|~~)(?=\S)((?:(?!\1).)+?)(?<=\S)\1")
_HIGHLIGHT = re.compile(r"(==)(?=\S)((?:(?!==).)+?)(?<=\S)==")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")
"""An inline code span: a run of backticks closed by a run of as many (what inside it is never a
card's syntax nor an embed)."""


def _links_off(text: str) -> str:
    """The text without comments and links; embeds as placeholders."""
    if "<!--" in text:  # each pattern is tried only where the text has what it needs
        text = COMMENT.sub("", text)
    if "[" in text:
        text = _IMAGES.sub(_image, text) if "!" in text else text
        text = _ALIASED.sub(r"\2", text) if "[[" in text else text
        text = _LINKED.sub(r"\1", text) if "[[" in text else text
        text = _MD_LINK.sub(r"\1", text) if "](" in text else text
    return text


def marks_off(text: str, *, markdown: bool = False) -> str:
    """The text without comments, links and emphasis marks; embeds as placeholders. With
    `markdown`, emphasis and inline code stay as written; only a highlight's `==` go (nothing
    renders them)."""
    text = _links_off(text)
    emphasis, code = (_HIGHLIGHT, 0) if markdown else (_EMPHASIS, 2)
    if "`" not in text:
        return emphasis.sub(r"\2", text)
    out, at = [], 0
    for m in _INLINE_CODE.finditer(text):  # inline code shows its marks as written
        out += [emphasis.sub(r"\2", text[at : m.start()]), m.group(code)]
        at = m.end()
    return "".join(out) + emphasis.sub(r"\2", text[at:])


_IMAGES = re.compile(
    r"!\[\[([^\[\]|#^]*+)[^\[\]|]*+(?:\|([^\[\]]*))?\]\]|!\[([^\[\]]*)\]\(<?([^)>\[\]]*)>?\)"
)


def _image(m: re.Match[str]) -> str:
    """An embed as the reader writes it everywhere (`[image: a.png|500]`), for `notes/media.py`."""
    if m.group(4) is not None:  # `![alt|500](a.png "title")`
        return image_placeholder(m.group(4).split(' "', 1)[0], m.group(3))
    return placeholder(m.group(1), m.group(2) or "")


def strip_lines(text: str) -> str:
    """Each line without the spaces around it, and no blank line first or last."""
    return "\n".join(ln.strip() for ln in text.split("\n")).strip("\n")


def plain(text: str) -> str:
    """Card text as plain text: review comments and Markdown marks removed, embeds as the reader
    writes them, lines kept. A fenced code block keeps its lines as written, without its fence
    lines; an Admonition block (```` ```ad-note ````) holds Markdown, read as such."""
    return _card_text(text, markdown=False)


def written(text: str) -> str:
    """Card text as Markdown, as its author wrote it: `plain`, but emphasis, inline code and
    fenced code blocks (with their fences, the code's indentation kept) stay as written."""
    return _card_text(text, markdown=True)


def _card_text(text: str, *, markdown: bool) -> str:
    parts: list[str] = []
    lines = text.split("\n")
    prose: list[str] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m is None:
            prose.append(lines[i])
            i += 1
            continue
        parts += [strip_lines(marks_off("\n".join(prose), markdown=markdown))] if prose else []
        prose, fence, indent = [], m.group(1), len(lines[i]) - len(lines[i].lstrip())
        k = i + 1
        while k < len(lines) and not closes(lines[k], fence):
            k += 1
        body = lines[i + 1 : k]
        if lines[i][m.end() :].strip().startswith("ad-"):
            parts.append(_card_text("\n".join(body), markdown=markdown))
        else:
            code = [ln[min(indent, len(ln) - len(ln.lstrip())) :].rstrip() for ln in body]
            ends = [lines[k].strip()] if k < len(lines) else []
            parts.append("\n".join([lines[i].strip(), *code, *ends] if markdown else code))
        i = k + 1
    parts += [strip_lines(marks_off("\n".join(prose), markdown=markdown))] if prose else []
    return "\n".join(parts).strip("\n")
