"""One run of markdown-it-py inline tokens (a paragraph, item or heading) → plain text.

Markdown and HTML are stripped; timestamps in every form (`yt-timestamp` anchors, bare `[00:01:00]`,
`[00:01:00](https://youtu…)` links) are lifted out with their offsets; bold and italic phrases and
`[[wiki links]]` are kept aside. Part of the markdown-it-py adapter, with `markdown.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from ..model import FORCE, SKIP, Timestamp
from .stamps import STAMP, fold, format_time, parse_time
from .youtube import youtube_id, youtube_time

_ANCHOR = re.compile(r"""<a\b[^>]*\byt-timestamp\b[^>]*>""", re.I)
_WHOLE_ANCHOR = re.compile(r"""<a\b[^>]*\byt-timestamp\b[^>]*>[\d:.\s\[\]]*</a\s*>""", re.I)
"""An anchor with its label and closing tag, `<a class="yt-timestamp" data-t="00:09:17">[00:09:17]</a>`:
a label of digits, colons, points, spaces and brackets (nothing Markdown reads as markup)."""
_ANCHOR_MAX = 1_000
"""The longest whole anchor `stamp_anchor` looks for (real ones are about 120 characters): the
pattern is only matched this far, so a run of `<a ` without `>` is not scanned to its end from
each of its tags (that took minutes)."""
_ANCHOR_TIME = re.compile(r"""\b(?:data-t|href)\s*=\s*["']([^"']*)["']""", re.I)
_BARE_TIME = re.compile(r"\[(\d{1,2}:\d{2}(?::\d{2}){0,2})\]|\((\d{1,2}:\d{2}:\d{2}(?::\d{2})?)\)")
"""`[09:17]`, `[00:09:17]`, and `(00:09:17)` (a bracketed `(12:30)` may be a clock time: not read)."""
_LINK_TIME = re.compile(r"\[?\d{1,2}:\d{2}(?::\d{2}){0,2}\]?")
_EMBED = re.compile(r"!\[\[([^\[\]|#^]*+)[^\[\]|]*+(?:\|([^\[\]]*))?\]\]")
"""`![[name#part|size]]`; possessive (`*+`): the name and its part are not re-split on failure."""
_SIZE = re.compile(r"\d{1,5}(?:x\d{1,5})?")
"""`![[crumb.png|500]]`, `|500x300`: the size Obsidian shows an image at."""
IMAGE_FILE = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|bmp|avif|tiff?)$", re.I)
"""The file names an embed shows as an image."""
_TAG = re.compile(r"(?:^|(?<=[\s(,;]))#([\w\-/]*[^\W\d][\w\-/]*)")
"""`#tag`, `#nested/tag`: not `#123`, not the `#frag` of a URL, not a heading (markdown took it)."""
_SPACES = re.compile(r"\s+")
_TAG_MARK = re.compile(r"\x01([^\x02]*)\x02")
_TAG_RUN = re.compile(r"^(?:[ \t]*\x01[^\x02]*\x02)+|(?:[ \t]*\x01[^\x02]*\x02)+(?=[ \t\x00.!?]*$)", re.M)
"""Tags that start or end a line (a line break is `\n` until `fold`)."""
WIKI = re.compile(r"\[\[([^\[\]|]+?)(?:\s*\|\s*([^\[\]]*?))?\]\]")
_HIDDEN = re.compile(r"<(script|style)\b", re.I)  # inline elements whose text is never shown
_LABEL = re.compile(r"^\s*\[[^\]\n]*\]")
_ATTRS = re.compile(r"^\{[^{}\n]*\}")
_CLOSING_TAG = re.compile(r"</\s*([A-Za-z][\w-]*)")


@dataclass(frozen=True, slots=True)
class Inline:
    """What one inline token run says once Markdown and anchors are stripped."""

    text: str
    stamps: tuple[tuple[int, Timestamp], ...]
    emphasis: tuple[str, ...]
    links: tuple[str, ...]
    problems: tuple[str, ...]
    """Messages for what could not be read (a malformed timestamp); the caller adds the line."""
    tags: tuple[str, ...] = ()
    """The `#tags` written in the text (without `#`); the text keeps a tag's word only mid-sentence."""


def placeholder(target: str, size: str = "") -> str:
    """Where an embedded file stands in the text: `[image: img/cat.png|500]` (path as written,
    then the size asked for), which `notes/media.py` finds and the renderer shows as the image;
    any other file is `[embed: name]`, text."""
    target = target.strip()
    if not IMAGE_FILE.search(target.split("?", 1)[0]):
        return f"[embed: {target.rsplit('/', 1)[-1]}]"
    size = size.strip()
    return f"[image: {target}|{size}]" if _SIZE.fullmatch(size) else f"[image: {target}]"


def image_placeholder(src: str, alt: str) -> str:
    """`placeholder` for a Markdown image: Obsidian writes its size after the alt text,
    `![alt|500](a.png)`."""
    parts = alt.rsplit("|", 1)
    return placeholder(src, parts[1] if len(parts) > 1 else "")


def _wiki_text(m: re.Match[str], links: list[str]) -> str:
    target, label = m.group(1).strip(), (m.group(2) or "").strip()
    links.append(target)
    if label and _restates(label, target) and _SENTENCE_END.match(m.string, m.end()) and not _object(m):
        return ""  # "…through data [[ai_for_science | AI for science]]." is a "see also"
    if label:
        return label
    # `[[some_topic_slug]]` is a "see also" reference, not part of the sentence.
    if "_" in target and " " not in target and target == target.lower():
        return ""
    return target


_SENTENCE_END = re.compile(r"\s*(?:[.;:!?)]|$|\x00|\[)")
"""After a link: the end of its sentence (or a timestamp or another link)."""


def _object(m: re.Match[str]) -> bool:
    """Whether the link is what the word before it needs ("a large amount of [[nad | NAD]];"):
    after an article, a preposition or a conjunction it is part of the sentence, not a "see
    also" (after "before" or "over" it may be either, and stays a "see also")."""
    before = m.string[: m.start()].split()
    return bool(before) and before[-1].strip("\"'“”‘’(").casefold() in _TAKES_OBJECT


_TAKES_OBJECT = frozenset(
    """a an the of for with from into onto to than via like and or nor its their his her our your
    my whose this these those some any each every no between among including about as at by in on
    per toward towards within without through is are was were be been being""".split()
)


def _restates(label: str, target: str) -> bool:
    """Whether a link's alias only repeats its target's words (`[[ai_safety | AI Safety]]`)."""
    said = set(re.findall(r"\w+", label.casefold()))
    return bool(said) and said <= set(re.findall(r"[^\W_]+", target.casefold()))


def _malformed(value: str) -> str:
    return f"malformed timestamp {value[:20]!r} skipped — write it as HH:MM:SS"


_COMMENT = re.compile(r"%%(.*?)%%", re.S)
"""Obsidian comments: never shown; `%% deckgen: skip %%` and `%% deckgen: card %%` steer deckgen."""


def _comment(m: re.Match[str]) -> str:
    said = " ".join(m.group(1).split()).lower()
    return {"deckgen: skip": SKIP, "deckgen: card": FORCE}.get(said, "")


def _text_piece(s: str, links: list[str], stamps: list[Timestamp], problems: list[str]) -> str:
    # Each pattern runs only where the text holds what it needs: most text has none of them.
    if "%%" in s:
        s = _COMMENT.sub(_comment, s)
    # An embed is no link (no tag) and its `|500` size is no text.
    if "![[" in s:
        s = _EMBED.sub(lambda m: placeholder(m.group(1), m.group(2) or ""), s)
    if "[[" in s:
        s = WIKI.sub(lambda m: _wiki_text(m, links), s)
    if "#" in s:
        s = _TAG.sub(lambda m: f"\x01{m.group(1)}\x02", s)

    def bare(m: re.Match[str]) -> str:
        value = m.group(1) or m.group(2)
        sec = parse_time(value)
        if sec is None:
            problems.append(_malformed(value))
            return ""
        stamps.append(Timestamp(sec, format_time(sec)))
        return STAMP

    return _BARE_TIME.sub(bare, s) if ":" in s else s


def read_inline(children: list[Token]) -> Inline:
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
    pending: Timestamp | None = None
    for i, tok in enumerate(children):
        if skip_to:
            skip_to = "" if _closes(tok, skip_to) else skip_to
        elif in_link:
            in_link = tok.type != "link_close"
        elif tok.type == "link_open" and (sec := _link_time(children, i)) is not None:
            in_link = True  # `[00:12:34](https://youtube…)`: a timestamp written as a link
            stamps.append(Timestamp(sec, format_time(sec), youtube_id(str(tok.attrs.get("href", "")))))
            raw.append(STAMP)
        elif tok.type == "link_open" and (moment := _moment(str(tok.attrs.get("href", "")))):
            pending = Timestamp(moment[1], format_time(moment[1]), moment[0])  # [the claim](…&t=557)
        elif tok.type == "link_close" and pending:  # the stamp follows the words it links
            stamps.append(pending)
            raw.append(STAMP)
            pending = None
        elif tok.type == "image":
            src = unquote(str(tok.attrs.get("src", "")))  # markdown-it writes a space as %20
            raw.append(image_placeholder(src, tok.content))
            label = i + 1  # its `{alt=… width=…}` or `{:height 538}` attributes are no text
        elif tok.type == "math_inline":
            raw.append(tok.markup + tok.content + tok.markup)  # kept as written
        elif tok.type == "yt_stamp":  # a whole anchor: its label is no text
            sec, value = _anchor_time(tok.content[: tok.content.index(">") + 1])
            if sec is None:
                problems.append(_malformed(value))
            else:
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
            piece = tok.content
            if i == label:
                piece = (_ATTRS if children[i - 1].type == "image" else _LABEL).sub("", piece, count=1)
            raw.append(_text_piece(piece, links, stamps, problems) if tok.type == "text" else piece)
        elif tok.type in ("softbreak", "hardbreak"):
            raw.append("\n")  # `fold` makes it a space
        elif tok.type in ("strong_open", "em_open"):
            open_marks.append(len(raw))
        elif tok.type in ("strong_close", "em_close") and open_marks:
            start = open_marks.pop()
            phrase = _plain("".join(raw[start:]))
            if phrase:
                emphasis.append(phrase)
        # Images and other inline HTML (<br/>, <span>) carry no text of their own.
    # Text stays text: cards escape it and nh3 cleans every field (cards.safe_html).
    joined = "".join(raw)
    tags: list[str] = []
    if "\x01" in joined:  # most text has no tag: the tag patterns scan every position
        tags = list(dict.fromkeys(_TAG_MARK.findall(joined)))
        # A tag line or a tag after the text is a label; a tag mid-sentence is also a word of it.
        joined = _TAG_MARK.sub(r"\1", _TAG_RUN.sub("", joined))
    text, offsets = fold(joined, stamps)
    return Inline(text, offsets, tuple(emphasis), tuple(links), tuple(problems), tuple(tags))


def stamp_anchor(state: StateInline, silent: bool) -> bool:
    """markdown-it-py inline rule: a whole `yt-timestamp` anchor is one `yt_stamp` token. Read as
    HTML it is two tags with a label between that the link rule tries first: two fifths of the
    inline parse of a timestamped note. An anchor with markup in its label, or unclosed, is left
    to the HTML rule (`read_inline` reads it either way)."""
    if state.src[state.pos] != "<" or not (
        m := _WHOLE_ANCHOR.match(state.src, state.pos, state.pos + _ANCHOR_MAX)
    ):
        return False
    if not silent:
        state.push("yt_stamp", "", 0).content = m.group(0)
    state.pos = m.end()
    return True


INLINE_MATH = re.compile(r"(?<![\\$])\$(?![\s$])((?:[^$\n\\]|\\[^\n])*?)(?<!\s)\$(?!\d)")
"""`$…$` as Obsidian pairs it (Pandoc's rule, as markdown-it-texmath and mdit-py-plugins read it):
the opening `$` is not escaped and has no space after it; the closing `$` is the next unescaped
`$` on the same line, has no space before it and no digit after it. So `2${^4}$` is a formula,
`$5 and $10` is money, and a `$` never pairs with one on the next line. Group 1 is the TeX."""


def math_inline(state: StateInline, silent: bool) -> bool:
    """markdown-it-py inline rule: `INLINE_MATH` as a `math_inline` token (mdit-py-plugins' rule
    pairs across line breaks and refuses a digit before the opening `$`)."""
    if state.src[state.pos] != "$" or not (m := INLINE_MATH.match(state.src, state.pos)):
        return False
    if not silent:
        tok = state.push("math_inline", "math", 0)
        tok.content, tok.markup = m.group(1), "$"
    state.pos = m.end()
    return True


def _moment(href: str) -> tuple[str, int] | None:
    """(video ID, second) for a YouTube link that starts at a moment; None for any other link."""
    video = youtube_id(href)
    sec = youtube_time(href) if video else None
    return (video, sec) if sec is not None else None


def _anchor_time(tag: str) -> tuple[int | None, str]:
    """A `yt-timestamp` anchor's seconds (None when malformed) and the value it was read from."""
    found = _ANCHOR_TIME.search(tag)
    value = found.group(1) if found else ""
    return parse_time(value.split("]", 1)[0]), value


def _closing_tags(children: list[Token]) -> dict[str, int]:
    """The index of the last closing tag of each name among inline tokens: `{"a": 7}` (a whole
    anchor ends with one)."""
    closes: dict[str, int] = {}
    for i, tok in enumerate(children):
        if tok.type == "html_inline" and (m := _CLOSING_TAG.match(tok.content)):
            closes[m.group(1).lower()] = i
        elif tok.type == "yt_stamp":
            closes["a"] = i
    return closes


def _closes(tok: Token, closing: str) -> bool:
    """Whether `tok` holds the closing tag `closing` (`"</a"`): an HTML tag, or a whole anchor,
    which a skipped anchor or script before it swallows, as a browser would."""
    if tok.type == "yt_stamp":
        return closing == "</a"
    return tok.type == "html_inline" and tok.content.lower().startswith(closing)


def _link_time(children: list[Token], i: int) -> int | None:
    """Seconds when the link at `i` has a timestamp as its whole text."""
    nxt = children[i + 1] if i + 1 < len(children) else None
    if nxt is None or nxt.type != "text" or not _LINK_TIME.fullmatch(nxt.content.strip()):
        return None
    return parse_time(nxt.content)


def _plain(s: str) -> str:
    if "\x01" in s:
        s = _TAG_MARK.sub(r"\1", s)
    return _SPACES.sub(" ", s.replace(STAMP, "")).strip(" :")


def glossary_term(children: list[Token]) -> str:
    """A definition list's term as glossaries write it: `[absolute path]{#absolute-path}`."""
    text = re.sub(r"\{[^}]*\}", "", read_inline(children).text).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    return text if text and len(text.split()) <= 8 else ""


def split_term(children: list[Token]) -> tuple[str, list[Token]]:
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
    term = WIKI.sub(lambda m: (m.group(2) or m.group(1)).strip(), term).strip()
    return (term, rest) if term and len(term.split()) <= 8 else ("", children)
