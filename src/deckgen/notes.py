"""Read one Markdown note into a `Note`: front matter, source line, headings, blocks, timestamps.

This is the only module that knows markdown-it-py's tokens.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from .errors import NoteError
from .model import Block, BlockKind, Note, Problem, SourceRef, Timestamp
from .text import sentences

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(front_matter_plugin)

_ANCHOR = re.compile(r"""<a\b[^>]*\byt-timestamp\b[^>]*>""", re.I)
_ANCHOR_TIME = re.compile(r"""\b(?:data-t|href)\s*=\s*["']([^"']*)["']""", re.I)
_BARE_TIME = re.compile(r"\[(\d{1,2}:\d{2}(?::\d{2}){0,2})\]")
_LINK_TIME = re.compile(r"\[?\d{1,2}:\d{2}(?::\d{2}){0,2}\]?")
_WIKI = re.compile(r"\[\[([^\[\]|]+?)(?:\s*\|\s*([^\[\]]+?))?\]\]")
_SOURCE = re.compile(r"^\W*From\W*:?\W*\[\[([^\[\]|]+?)(?:\s*\|\s*([^\[\]]+?))?\]\]", re.I)
_TAG = re.compile(r"<[^>]*>")
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_STAMP = "\x00"  # stands for a timestamp inside text while it is being cleaned
_SEP_BETWEEN_STAMPS = re.compile(r"\x00[\s,;&\-–—]*(?:(?:and|to)\s*)?(?=\x00)")
_EMPTY_BRACKETS = re.compile(r"[(\[]([\s,;\x00]*)[)\]]")


def parse_time(value: str) -> int | None:
    """Seconds for `HH:MM:SS`, `H:MM:SS`, `MM:SS`, `HH:MM:SS:FF` (frames dropped) or `2241`."""
    value = value.strip().strip("[]")
    if value.isdigit():
        return int(value)
    parts = value.split(":")
    if not 2 <= len(parts) <= 4 or not all(p.isdigit() for p in parts):
        return None
    if len(parts) == 4:
        parts = parts[:3]
    nums = [int(p) for p in parts]
    if any(n >= 60 for n in nums[1:]):
        return None
    seconds = 0
    for n in nums:
        seconds = seconds * 60 + n
    return seconds


def format_time(seconds: int) -> str:
    """`09:17` below an hour, `1:02:03` above."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


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


def _text_piece(s: str, links: list[str], stamps: list[Timestamp]) -> str:
    s = _WIKI.sub(lambda m: _wiki_text(m, links), s)

    def bare(m: re.Match[str]) -> str:
        sec = parse_time(m.group(1))
        if sec is None:
            return m.group(0)
        stamps.append(Timestamp(sec, format_time(sec)))
        return _STAMP

    return _BARE_TIME.sub(bare, s)


def _fold(raw: str, found: list[Timestamp]) -> tuple[str, tuple[tuple[int, Timestamp], ...]]:
    """Tidy text around removed timestamps; return the text and each stamp's offset."""
    raw = _EMPTY_BRACKETS.sub(lambda m: m.group(1).replace(" ", ""), raw)
    raw = _SEP_BETWEEN_STAMPS.sub(_STAMP, raw)
    raw = re.sub(r"\s+", " ", raw)
    raw = re.sub(r" +(?=\x00)", "", raw)
    raw = re.sub(r"(\x00+) +(?=[.,;:!?)])", r"\1", raw)
    raw = re.sub(r" +(?=[.,;:!?])", "", raw).strip()
    text: list[str] = []
    stamps: list[tuple[int, Timestamp]] = []
    it = iter(found)
    for ch in raw:
        if ch == _STAMP:
            stamps.append((len("".join(text).rstrip()), next(it)))
        else:
            text.append(ch)
    return "".join(text).strip(), tuple(stamps)


def _read_inline(children: list[Token]) -> _Inline:
    """Walk the inline tokens of one paragraph, item or heading."""
    raw: list[str] = []
    stamps: list[Timestamp] = []
    links: list[str] = []
    emphasis: list[str] = []
    problems: list[str] = []
    open_marks: list[int] = []  # start index in `raw` of each open strong/em
    in_anchor = in_link = False
    for i, tok in enumerate(children):
        if in_anchor:
            in_anchor = tok.type != "html_inline" or not tok.content.lower().startswith("</a")
        elif in_link:
            in_link = tok.type != "link_close"
        elif tok.type == "link_open" and (sec := _link_time(children, i)) is not None:
            in_link = True  # `[00:12:34](https://youtube…)`: a timestamp written as a link
            stamps.append(Timestamp(sec, format_time(sec)))
            raw.append(_STAMP)
        elif tok.type == "html_inline" and (m := _ANCHOR.match(tok.content)):
            in_anchor = True
            found = _ANCHOR_TIME.search(m.group(0))
            value = found.group(1) if found else ""
            sec = parse_time(re.split(r"\]", value, maxsplit=1)[0])
            if sec is None:
                problems.append(f"malformed timestamp {value[:20]!r} skipped — write it as HH:MM:SS")
            else:
                stamps.append(Timestamp(sec, format_time(sec)))
                raw.append(_STAMP)
        elif tok.type in ("text", "code_inline"):
            raw.append(_text_piece(tok.content, links, stamps) if tok.type == "text" else tok.content)
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
    text, offsets = _fold("".join(raw), stamps)
    return _Inline(text, offsets, tuple(emphasis), tuple(links), problems=problems)


def _link_time(children: list[Token], i: int) -> int | None:
    """Seconds when the link at `i` has a timestamp as its whole text."""
    nxt = children[i + 1] if i + 1 < len(children) else None
    if nxt is None or nxt.type != "text" or not _LINK_TIME.fullmatch(nxt.content.strip()):
        return None
    return parse_time(nxt.content)


def _plain(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace(_STAMP, "")).strip(" :")


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


def _front_matter(tok: Token, path: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(tok.content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        raise NoteError(
            path, line, "front matter is not valid YAML — fix it or remove the --- block"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise NoteError(path, 1, "front matter is not a mapping — write `key: value` lines")
    return data


def _as_tags(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.replace(",", " ").split())
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None)
    return ()


def parse_note(source: str, path: str, folder: str = "", digest: str = "") -> Note:
    """Parse Markdown `source`; `path` is only used to name the note in messages and cards."""
    tokens = _MD.parse(source)
    meta: dict[str, Any] = {}
    problems: list[Problem] = []
    raw_blocks: list[dict[str, Any]] = []
    headings: list[tuple[int, str]] = []
    lists: list[dict[str, Any]] = []  # open lists: id, lead-in
    item_first: list[bool] = []  # per open list item: is the next paragraph its first?
    prev_para = ""
    source_id = source_name = ""
    in_table = False
    next_list = 0
    for i, tok in enumerate(tokens):
        line = (tok.map[0] + 1) if tok.map else 0
        if tok.type == "front_matter":
            meta = _front_matter(tok, path)
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
        elif tok.type == "heading_open":
            level = int(tok.tag[1:])
            inline = _read_inline(tokens[i + 1].children or [])
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
    return _finish(meta, path, folder, digest, source_id, source_name, raw_blocks, problems)


def _finish(
    meta: dict[str, Any],
    path: str,
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
    title = str(meta.get("title") or "").strip() or Path(path).stem.replace("_", " ")
    video_id = str(meta.get("videoId") or meta.get("video_id") or "").strip()
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
        source_name=source_name, folder=folder, tags=_as_tags(meta.get("tags")),
        blocks=blocks, problems=tuple(problems), digest=digest,
    )  # fmt: skip


def read_note(path: Path, display: str | None = None, folder: str = "") -> Note:
    """Read and parse one note file. Raises `NoteError` when it cannot be read as text."""
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NoteError(name, 0, f"cannot read the file ({exc.strerror}) — check its permissions") from None
    if b"\x00" in data[:8192]:
        raise NoteError(name, 1, "this is a binary file, not Markdown — remove it or rename it")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NoteError(name, line, "the file is not UTF-8 — re-save it as UTF-8") from None
    return parse_note(source, name, folder, hashlib.sha256(data).hexdigest())
