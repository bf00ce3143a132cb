"""A card field's HTML with blocks (lists, tables, code, line breaks) as Markdown, for the
Markdown sheet: a hand-written card shows there as it shows on the HTML sheet and in Anki.

The HTML comes from `cards/render.py`, already cleaned: its text is Markdown-escaped here, and
the only tags written out are `<br>`, `<sub>`, `<sup>` and `<u>`, which Markdown has no mark for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that
# would otherwise turn note text into emphasis, links, code or raw HTML.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|])")
BLOCK_HTML = re.compile(r"<(?:p|ul|ol|table|pre|code|blockquote|hr|h[1-6]|br|sub|sup|u|mark|s)\b")
"""A fragment holding one of these tags is written by `markdown_blocks`."""
_BLOCKS = {"p", "div", "ul", "ol", "table", "pre", "blockquote", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"br", "hr", "img"}
_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*", "mark": "==", "s": "~~"}
_RAW = {"sub", "sup", "u"}


def md_escape(text: str) -> str:
    """Backslash-escape what Markdown would read as markup."""
    return _MD_SPECIAL.sub(r"\\\1", text)


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [_Node("", {})]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if any(n.tag == tag for n in self.stack[1:]):
            while self.stack.pop().tag != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _text(node: _Node | str) -> str:
    return node if isinstance(node, str) else "".join(map(_text, node.children))


def _fence(text: str, mark: str) -> str:
    """The shortest run of `mark` longer than any run in `text`."""
    return mark * (max((len(r) for r in re.findall(f"{re.escape(mark)}+", text)), default=0) + 1)


def _inline(node: _Node | str) -> str:
    if isinstance(node, str):
        return md_escape(node)
    inner = "".join(map(_inline, node.children))
    if node.tag == "code":
        code, ticks = _text(node), _fence(_text(node), "`")
        pad = " " if code.startswith("`") or code.endswith("`") else ""
        return f"{ticks}{pad}{code}{pad}{ticks}"
    if node.tag == "br":
        return "<br>"
    if node.tag == "img":  # a formula as written (its alt), or a bundled image by name
        alt = node.attrs.get("alt", "")
        return md_escape(alt) if "math" in node.attrs.get("class", "") else f"[image: {md_escape(alt)}]"
    if "blank" in node.attrs.get("class", "").split():
        return f"**{inner if inner.strip() else '…'}**"  # an empty blank still has to show on paper
    if node.tag in _RAW:
        return f"<{node.tag}>{inner}</{node.tag}>"
    mark = _MARKS.get(node.tag, "")
    return f"{mark}{inner}{mark}"


def _flow(children: list[_Node | str]) -> list[list[str]]:
    """Children as Markdown blocks, each a list of lines: runs of inline content are paragraphs."""
    blocks: list[list[str]] = []
    run: list[str] = []
    for child in [*children, _Node("p", {})]:  # an empty paragraph last: it flushes the run
        if isinstance(child, str) or child.tag not in _BLOCKS:
            run.append(_inline(child))
            continue
        if text := " ".join("".join(run).split()).replace("<br> ", "<br>"):
            blocks.append([text])
        run = []
        if child.children or child.tag == "hr":
            blocks.append(_block(child))
    return blocks


def _lines(blocks: list[list[str]]) -> list[str]:
    return [line for i, block in enumerate(blocks) for line in ([""] * bool(i) + block)]


def _block(node: _Node) -> list[str]:
    if node.tag in ("ul", "ol"):
        out: list[str] = []
        items = [c for c in node.children if isinstance(c, _Node) and c.tag == "li"]
        for n, item in enumerate(items, start=1):
            marker = f"{n}. " if node.tag == "ol" else "- "
            lines = _lines(_flow(item.children)) or [""]
            if "hl" in item.attrs.get("class", "").split():  # a list card's answer
                lines[0] = f"**{lines[0]}**"
            out += [marker + lines[0], *(" " * len(marker) + ln if ln else "" for ln in lines[1:])]
        return out
    if node.tag == "table":
        rows = [_cells(r) for r in _all(node, "tr")]
        lines = ["| " + " | ".join(cells) + " |" for cells in rows]
        return [lines[0], "|" + " --- |" * len(rows[0]), *lines[1:]] if rows else []
    if node.tag == "pre":
        code = _text(node).rstrip("\n")
        fence = _fence(code, "`")
        return [max(fence, "```"), *code.split("\n"), max(fence, "```")]
    if node.tag == "hr":
        return ["---"]
    lines = _lines(_flow(node.children))
    if node.tag == "blockquote":
        return [f"> {ln}".rstrip() for ln in lines]
    if node.tag.startswith("h") and lines:
        return [f"{'#' * int(node.tag[1])} {' '.join(lines)}"]
    return lines


def _all(node: _Node, tag: str) -> list[_Node]:
    found = []
    for child in node.children:
        if isinstance(child, _Node):
            found += [child] if child.tag == tag else _all(child, tag)
    return found


def _cells(tr: _Node) -> list[str]:
    cells = [c for c in tr.children if isinstance(c, _Node) and c.tag in ("th", "td")]
    return [" ".join("".join(map(_inline, c.children)).split()) for c in cells]


def markdown_blocks(fragment: str, indent: int) -> str:
    """`fragment` as Markdown lines, each after the first indented by `indent` spaces (the list
    item it stands in); a fragment that opens with a list, table or code starts on a new line."""
    tree = _Tree()
    tree.feed(fragment)
    tree.close()
    lines = _lines(_flow(tree.stack[0].children))
    pad = " " * indent
    text = "\n".join(pad + ln if ln and i else ln for i, ln in enumerate(lines))
    starts_block = bool(lines) and re.match(r"(?:[-|>]|\d+\.|```)", lines[0]) is not None
    return f"\n{pad}{text}" if starts_block else text
