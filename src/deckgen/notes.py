"""Read one Markdown note into a `Note`: front matter, source line, headings, blocks, timestamps.

This is the only module that knows markdown-it-py's tokens. Notes are read as people write
them, mistakes included: what can be read is read, the rest becomes a warning that says what
to do. Only a file that is not a Markdown note at all, or whose front matter is broken, is
refused with a `NoteError`.
"""

from __future__ import annotations

import errno
import hashlib
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from .errors import NoteError
from .frontmatter import as_tags, front_matter, meta_text
from .model import BLANK, Block, BlockKind, Note, Problem, SourceRef, Timestamp
from .stamps import STAMP, fold, format_time, parse_time
from .text import printable, sentences, visible

MAX_NOTE_BYTES = 2 * 1024 * 1024
"""Larger files are refused unread: the biggest real notes are a few hundred KB, a 1 MB note
of prose takes about a second, but markdown-it-py needs up to ~17 s per MB of pathological input
(a megabyte of `![`), and a log or dump named `.md` could be any size."""
_MAX_NESTING = 128
"""markdown-it-py's limit on nested blocks (a list level counts twice): more than the 50 levels
people might write, far fewer than Python's recursion limit. Deeper text is not read."""
_INLINE_NESTING = 20
"""The limit on nested links and emphasis, markdown-it-py's default. Each unmatched `[` costs
time in proportion to it, so it stays low."""


def _nesting(limit: int) -> Callable[[StateCore], None]:
    """A core rule that sets the nesting limit for the rules after it."""

    def rule(state: StateCore) -> None:
        state.md.options["maxNesting"] = limit

    return rule


_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(front_matter_plugin).use(deflist_plugin)
# markdown-it-py has one `maxNesting` for blocks and inlines: set it before each phase.
_MD.core.ruler.before("normalize", "block_nesting", _nesting(_MAX_NESTING))
_MD.core.ruler.before("inline", "inline_nesting", _nesting(_INLINE_NESTING))

_ANCHOR = re.compile(r"""<a\b[^>]*\byt-timestamp\b[^>]*>""", re.I)
_ANCHOR_TIME = re.compile(r"""\b(?:data-t|href)\s*=\s*["']([^"']*)["']""", re.I)
_BARE_TIME = re.compile(r"\[(\d{1,2}:\d{2}(?::\d{2}){0,2})\]")
_LINK_TIME = re.compile(r"\[?\d{1,2}:\d{2}(?::\d{2}){0,2}\]?")
_WIKI = re.compile(r"\[\[([^\[\]|]+?)(?:\s*\|\s*([^\[\]]+?))?\]\]")
_SOURCE = re.compile(r"^\W*From\W*:?\W*\[\[([^\[\]|]+?)(?:\s*\|\s*([^\[\]]+?))?\]\]", re.I)
_HIDDEN = re.compile(r"<(script|style)\b", re.I)  # inline elements whose text is never shown
_RUNAWAY = re.compile(r"\s*(<!--|<(?:script|pre|style|textarea)\b)", re.I)
_LABEL = re.compile(r"^\s*\[[^\]\n]*\]")
_NEWLINE = re.compile(r"\r\n?|\n")
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")


@dataclass(slots=True)
class _Inline:
    """What one inline token run says once Markdown and anchors are stripped."""

    text: str
    stamps: tuple[tuple[int, Timestamp], ...]
    emphasis: tuple[str, ...]
    links: tuple[str, ...]
    term: str = ""
    problems: list[str] = field(default_factory=list)


def _wiki_text(m: re.Match[str], links: list[str]) -> str:
    target, label = m.group(1).strip(), (m.group(2) or "").strip()
    links.append(target)
    if label:
        return label
    # `[[some_topic_slug]]` is a "see also" reference, not part of the sentence.
    if "_" in target and " " not in target and target == target.lower():
        return ""
    return target


def _malformed(value: str) -> str:
    return f"malformed timestamp {value[:20]!r} skipped — write it as HH:MM:SS"


def _text_piece(s: str, links: list[str], stamps: list[Timestamp], problems: list[str]) -> str:
    s = _WIKI.sub(lambda m: _wiki_text(m, links), s)

    def bare(m: re.Match[str]) -> str:
        sec = parse_time(m.group(1))
        if sec is None:
            problems.append(_malformed(m.group(1)))
            return ""
        stamps.append(Timestamp(sec, format_time(sec)))
        return STAMP

    return _BARE_TIME.sub(bare, s)


def _read_inline(children: list[Token]) -> _Inline:
    """Walk the inline tokens of one paragraph, item or heading."""
    raw: list[str] = []
    stamps: list[Timestamp] = []
    links: list[str] = []
    emphasis: list[str] = []
    problems: list[str] = []
    open_marks: list[int] = []  # start index in `raw` of each open strong/em
    closes = _closing_tags(children)
    skip_to = ""  # the closing tag that ends a skipped anchor or script, e.g. "</a"
    label = -1  # after an unclosed anchor: the token that starts with its `[00:01:00]` label
    in_link = False
    for i, tok in enumerate(children):
        if skip_to:
            skip_to = "" if tok.type == "html_inline" and tok.content.lower().startswith(skip_to) else skip_to
        elif in_link:
            in_link = tok.type != "link_close"
        elif tok.type == "link_open" and (sec := _link_time(children, i)) is not None:
            in_link = True  # `[00:12:34](https://youtube…)`: a timestamp written as a link
            stamps.append(Timestamp(sec, format_time(sec)))
            raw.append(STAMP)
        elif tok.type == "html_inline" and (m := _ANCHOR.match(tok.content)):
            skip_to, label = ("</a", -1) if closes.get("a", -1) > i else ("", i + 1)  # unclosed: hide no text
            sec, value = _anchor_time(m.group(0))
            if sec is None:
                problems.append(_malformed(value))
            else:
                stamps.append(Timestamp(sec, format_time(sec)))
                raw.append(STAMP)
        elif tok.type == "html_inline" and (m := _HIDDEN.match(tok.content)):
            name = m.group(1).lower()
            skip_to = f"</{name}" if closes.get(name, -1) > i else ""
        elif tok.type in ("text", "code_inline"):
            piece = _LABEL.sub("", tok.content, count=1) if i == label else tok.content
            raw.append(_text_piece(piece, links, stamps, problems) if tok.type == "text" else piece)
        elif tok.type in ("softbreak", "hardbreak"):
            raw.append(" ")
        elif tok.type in ("strong_open", "em_open"):
            open_marks.append(len(raw))
        elif tok.type in ("strong_close", "em_close") and open_marks:
            start = open_marks.pop()
            phrase = _plain("".join(raw[start:]))
            if phrase:
                emphasis.append(phrase)
        elif tok.type == "image":
            continue
        elif tok.type == "html_inline":
            continue  # other inline HTML (<br/>, <span>) carries no text of its own
    # Text stays text: cards escape it and nh3 cleans every field (cards.safe_html).
    text, offsets = fold("".join(raw), stamps)
    return _Inline(text, offsets, tuple(emphasis), tuple(links), problems=problems)


def _anchor_time(tag: str) -> tuple[int | None, str]:
    """A `yt-timestamp` anchor's seconds (None when malformed) and the value it was read from."""
    found = _ANCHOR_TIME.search(tag)
    value = found.group(1) if found else ""
    return parse_time(value.split("]", 1)[0]), value


def _closing_tags(children: list[Token]) -> dict[str, int]:
    """The index of the last closing tag of each name among inline tokens: `{"a": 7}`."""
    closes: dict[str, int] = {}
    for i, tok in enumerate(children):
        if tok.type == "html_inline" and (m := re.match(r"</\s*([A-Za-z][\w-]*)", tok.content)):
            closes[m.group(1).lower()] = i
    return closes


def _link_time(children: list[Token], i: int) -> int | None:
    """Seconds when the link at `i` has a timestamp as its whole text."""
    nxt = children[i + 1] if i + 1 < len(children) else None
    if nxt is None or nxt.type != "text" or not _LINK_TIME.fullmatch(nxt.content.strip()):
        return None
    return parse_time(nxt.content)


def _plain(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace(STAMP, "")).strip(" :")


def _glossary_term(children: list[Token]) -> str:
    """A definition list's term as glossaries write it: `[absolute path]{#absolute-path}`."""
    text = re.sub(r"\{[^}]*\}", "", _read_inline(children).text).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    return text if text and len(text.split()) <= 8 else ""


def _split_term(children: list[Token]) -> tuple[str, list[Token]]:
    """`**Term:** body` → ('Term', body tokens); anything else → ('', children)."""
    toks = [t for t in children if not (t.type == "text" and not t.content.strip())]
    if len(toks) < 4 or toks[0].type != "strong_open" or toks[2].type != "strong_close":
        return "", children
    inner, after = toks[1], toks[3]
    if inner.type != "text":
        return "", children
    if inner.content.rstrip().endswith(":"):
        term, rest = inner.content.rstrip()[:-1], toks[3:]
    elif after.type == "text" and after.content.lstrip().startswith(":"):
        stripped = after.content.lstrip()[1:]
        rest = [Token("text", "", 0, content=stripped), *toks[4:]]
        term = inner.content
    else:
        return "", children
    term = _WIKI.sub(lambda m: (m.group(2) or m.group(1)).strip(), term).strip()
    return (term, rest) if term and len(term.split()) <= 8 else ("", children)


def _note_problems(tokens: list[Token], source: str, path: str) -> list[Problem]:
    """What is wrong with the note as a whole: empty, unclosed code fences and HTML blocks
    (they swallow the text after them), text nested too deeply to be read."""
    lines = _NEWLINE.split(source)
    problems: list[Problem] = []
    if not source.strip():
        problems.append(
            Problem(SourceRef(path, 1), "the note is empty — write your notes in it, or delete it")
        )
    for tok in tokens:
        where = SourceRef(path, tok.map[0] + 1 if tok.map else 1)
        if tok.type == "fence" and tok.map and not _fence_closed(tok, lines):
            problems.append(
                Problem(where, f"code block is never closed, so the text after it is read as code — "
                        f"add a {tok.markup} line where the code ends")
            )  # fmt: skip
        elif tok.type == "html_block" and (m := _RUNAWAY.match(tok.content)):
            opener = m.group(1).lower()
            closer = "-->" if opener == "<!--" else f"</{opener[1:]}>"
            if closer not in tok.content.lower():
                problems.append(
                    Problem(where, f"HTML {opener}{'' if opener == '<!--' else '>'} is never closed, so the "
                            f"text after it is skipped — close it with {closer}")
                )  # fmt: skip
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


def parse_note(source: str, path: str, folder: str = "", digest: str = "") -> Note:
    """Parse Markdown `source`; `path` is only used to name the note in messages and cards."""
    name, path = path, printable(path)
    source = visible(source).replace(BLANK, "")
    try:
        tokens = _MD.parse(source)
    except RecursionError:
        raise NoteError(
            path, 1, "the note is nested too deeply to read — use fewer levels of lists and quotes"
        ) from None
    meta: dict[str, Any] = {}
    problems = _note_problems(tokens, source, path)
    raw_blocks: list[dict[str, Any]] = []
    headings: list[tuple[int, str]] = []
    lists: list[dict[str, Any]] = []  # open lists: id, lead-in
    item_first: list[bool] = []  # per open list item: is the next paragraph its first?
    prev_para = ""
    glossary_term = ""  # the term of a definition list (`term` then `:   definition`)
    source_id = source_name = ""
    in_table = False
    next_list = 0
    for i, tok in enumerate(tokens):
        line = (tok.map[0] + 1) if tok.map else 0
        if tok.type == "front_matter":
            meta = front_matter(tok.content, path)
        elif tok.type in ("table_open", "table_close"):
            in_table = tok.type == "table_open"
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            if lists and raw_blocks and raw_blocks[-1]["list_id"] == lists[-1]["id"]:
                parent = raw_blocks[-1]
                lead = parent["term"] or (sentences(parent["text"]) or [""])[0]
            else:  # the paragraph right before the list introduces it
                lead = prev_para if tokens[i - 1].type == "paragraph_close" else ""
            lists.append({"id": next_list, "lead": lead})
            next_list += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            prev_para = ""
        elif tok.type == "list_item_open":
            item_first.append(True)
        elif tok.type == "list_item_close":
            item_first.pop()
        elif tok.type == "dt_open":
            glossary_term = _glossary_term(tokens[i + 1].children or [])
        elif tok.type == "heading_open":
            level = int(tok.tag[1:])
            inline = _read_inline(tokens[i + 1].children or [])
            problems += [Problem(SourceRef(path, line), msg) for msg in inline.problems]
            headings = [(lv, t) for lv, t in headings if lv < level] + [(level, inline.text)]
            prev_para = ""
        elif tok.type == "inline" and tokens[i - 1].type == "paragraph_open" and not in_table:
            m = _SOURCE.match(tok.content)
            if m and not source_id:
                source_id = m.group(1).strip()
                source_name = (m.group(2) or m.group(1)).strip()
                continue
            is_item = bool(item_first) and item_first[-1]
            if item_first:
                item_first[-1] = False
            term, children = _split_term(tok.children or [])
            if glossary_term and tokens[i - 2].type == "dd_open":  # a definition's first paragraph
                term, glossary_term = glossary_term, ""
            inline = _read_inline(children)
            problems += [Problem(SourceRef(path, line), msg) for msg in inline.problems]
            if not inline.text and not term:
                continue
            kind: BlockKind = "item" if is_item else "paragraph"
            raw_blocks.append(
                {
                    "kind": kind, "inline": inline, "term": term, "text": inline.text,
                    "headings": tuple(t for _, t in headings if t), "line": line,
                    "lead_in": lists[-1]["lead"] if is_item else "",
                    "list_id": lists[-1]["id"] if is_item else -1,
                }
            )  # fmt: skip
            if not lists:
                prev_para = (sentences(inline.text) or [""])[-1]
    # The title and source name stay as written (the deck is named after them); cards.py
    # escapes them like all other text.
    title = meta_text(meta, "title", path, problems) or visible(Path(name).stem).replace("_", " ")
    return _finish(meta, path, title, folder, digest, source_id, source_name, raw_blocks, problems)


def _finish(
    meta: dict[str, Any],
    path: str,
    title: str,
    folder: str,
    digest: str,
    source_id: str,
    source_name: str,
    raw_blocks: list[dict[str, Any]],
    problems: list[Problem],
) -> Note:
    sizes: dict[int, int] = {}
    last: dict[int, int] = {}
    for i, b in enumerate(raw_blocks):
        sizes[b["list_id"]] = sizes.get(b["list_id"], 0) + 1
        last[b["list_id"]] = i
    blocks = tuple(
        Block(
            kind=b["kind"], text=b["text"], stamps=b["inline"].stamps,
            emphasis=b["inline"].emphasis, links=b["inline"].links, headings=b["headings"],
            line=b["line"], term=b["term"], lead_in=b["lead_in"], list_id=b["list_id"],
            list_size=sizes[b["list_id"]] if b["list_id"] >= 0 else 0,
            list_last=b["list_id"] >= 0 and last[b["list_id"]] == i,
        )
        for i, b in enumerate(raw_blocks)
    )  # fmt: skip
    key = "videoId" if meta.get("videoId") is not None else "video_id"
    video_id = meta_text(meta, key, path, problems)
    if video_id and not _VIDEO_ID.fullmatch(video_id):
        problems.append(
            Problem(
                SourceRef(path, 1),
                f"videoId {video_id[:40]!r} is not a YouTube "
                "video ID (11 letters, digits, - or _) — cards get no links",
            )
        )
        video_id = ""
    return Note(
        path=path, title=title, video_id=video_id, source_id=source_id,
        source_name=source_name, folder=folder, tags=as_tags(meta.get("tags")),
        blocks=blocks, problems=tuple(problems), digest=digest,
    )  # fmt: skip


def read_note(path: Path, display: str | None = None, folder: str = "") -> Note:
    """Read and parse one note file. Raises `NoteError` when it cannot be read as text."""
    name = display or str(path)
    shown = printable(name)
    data = _read_bytes(path, shown)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NoteError(shown, 1, "the file is UTF-16, not UTF-8 — re-save it as UTF-8")
    if b"\x00" in data[:8192]:
        raise NoteError(shown, 1, "this is a binary file, not Markdown — remove it or rename it")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise NoteError(
            shown, line, f"the file is not UTF-8 (byte 0x{byte:02x}) — re-save it as UTF-8"
        ) from None
    return parse_note(source, name, folder, hashlib.sha256(data).hexdigest())


def _read_bytes(path: Path, shown: str) -> bytes:
    """The file's bytes; a pipe, a device or a file too big to be a note is refused unread."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise NoteError(shown, 1, "this is not a regular file (a pipe, device or folder) — remove it")
        with path.open("rb") as f:
            data = f.read(MAX_NOTE_BYTES + 1)
    except OSError as exc:
        raise NoteError(shown, 1, _unreadable(exc)) from None
    if len(data) > MAX_NOTE_BYTES:
        raise NoteError(
            shown,
            1,
            f"the file is over {MAX_NOTE_BYTES // 2**20} MB, too big for a note — split it into notes",
        )
    return data


def _unreadable(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "the file is a symbolic link that loops back on itself — fix or remove the link"
    if exc.errno == errno.ENOENT:
        return "the file is gone, or is a symbolic link to nothing — fix or remove the link"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read the file (permission denied) — check its permissions (chmod +r)"
    return f"cannot read the file ({exc.strerror or exc}) — check that it is readable"
