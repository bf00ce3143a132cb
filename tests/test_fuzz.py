"""Random notes through the whole pipeline: parse → cards → decks → .apkg.

The notes are built from what real notes contain (front matter, `From:` lines, headings, lists
of `**Term:**` items, timestamp anchors good and bad, ranges, bare stamps, wiki links) plus
hostile HTML and Unicode. Whatever comes in, deckgen raises nothing but its own errors, every
card has a question and an answer, and no question, answer or context carries script.

The `ci` profile (default) runs 100 examples in well under 30 s. For a long run:

    HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py --hypothesis-show-statistics
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import active_content
from deckgen.build.readall import make_cards
from deckgen.config import Config
from deckgen.errors import DeckgenError, NoteError
from deckgen.model import Note
from deckgen.notes import parse_note, read_note
from deckgen.write.apkg import card_fields, write_package
from deckgen.write.package import group

settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "long", max_examples=5_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


HOSTILE_HTML = [
    "<script>alert(1)</script>", "<SCRIPT SRC=//evil.example/x.js>", "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnError=alert('x')>", '<a href="javascript:alert(1)">click</a>', "<svg onload=alert(1)>",
    "[link](javascript:alert(1))", "`javascript:alert(1)`", "&lt;script&gt;", "javascript&#58;x",
    "java\u200bscript:x", "<scr<script>ipt>", "on<!-- -->error=x", "<style>p{}</style>", "<div>",
    "</a>", "<pre>", "<!--", "<br/>", "<span>", "<b>", "`<img onerror=x>`", "jav**ascr**ipt:",
]  # fmt: skip
STAMP_VALUES = ["00:01:00", "1:02:03", "09:17", "2241", "31:52]", "99:99:99", "HH:MM:SS", "", "1:2:3:4:5",
                "01:00:37:01", "9" * 5000, "²", "00:00:60"]  # fmt: skip

words = st.sampled_from(
    ["Models", "reason", "over", "long", "contexts", "the", "This", "They", "Coherence", "(RLHF)", "42%",
     "2024", "e.g.", "Dr.", "“quoted words”", "'s", ":", ".", ",", "—", "**", "_", "[", "]", "|", "#",
     "Модели", "שלום", "مرحبا", "模型", "é", "e\u0301", "\u200b", "\u200d", "\u202e", "\ufeff", "\ue000"]
)  # fmt: skip
unicode_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@st.composite
def stamp(draw: st.DrawFn) -> str:
    value = draw(st.sampled_from(STAMP_VALUES))
    return draw(
        st.sampled_from(
            [
                f'<a class="yt-timestamp" data-t="{value}">[{value}]</a>',
                f'<a class="yt-timestamp" data-t="{value}">[{value}]',  # unclosed
                f"[{value}]",
                f"[{value}](https://www.youtube.com/watch?v=Wo95ob_s_NI&t=1s)",
                f'<a class="yt-timestamp" data-t="{value}">[{value}]</a> - '
                f'<a class="yt-timestamp" data-t="00:02:00">[00:02:00]</a>',
            ]
        )
    )


wiki = st.builds(
    lambda a, b: f"[[{a}]]" if b is None else f"[[{a} | {b}]]",
    st.sampled_from(["Alan Turing", "see_also_topic", "x", "", "a|b"]) | unicode_text,
    st.none() | words | unicode_text,
)
piece = st.one_of(
    words, words, words, stamp(), wiki, st.sampled_from(HOSTILE_HTML), unicode_text,
    st.builds(lambda w: f"**{w}**", words), st.builds(lambda w: f"*{w}*", words),
)  # fmt: skip
inline = st.lists(piece, min_size=1, max_size=14).map(" ".join)


@st.composite
def block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["para", "para", "heading", "list", "list", "list", "quote", "fence", "table",
                                 "rule", "html"]))  # fmt: skip
    if kind == "heading":
        return "#" * draw(st.integers(1, 7)) + " " + draw(inline)
    if kind == "list":
        items = draw(st.lists(st.tuples(st.integers(0, 3), words, inline), min_size=1, max_size=6))
        mark = draw(st.sampled_from(["*", "-", "1."]))
        return "\n".join(f"{'  ' * depth}{mark} **{term}:** {body}" for depth, term, body in items)
    if kind == "quote":
        return ">" * draw(st.integers(1, 60)) + " " + draw(inline)
    if kind == "fence":
        return "```\n" + draw(inline) + ("\n```" if draw(st.booleans()) else "")
    if kind == "table":
        return f"| a | b |\n|---|---|\n| {draw(inline)} | {draw(stamp())} |"
    if kind == "rule":
        return "---"
    if kind == "html":
        return draw(st.sampled_from(HOSTILE_HTML))
    return draw(inline) + draw(st.sampled_from([".", ". Models reason well.", " "]))


yaml_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | unicode_text | words
    | st.sampled_from(["Wo95ob_s_NI", "2024-13-45", "2024-01-01", "*a", "&a x", "[unclosed", "{a: [b"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    kind = draw(
        st.sampled_from(["none", "none", "dumped", "dumped", "dumped", "raw", "list", "scalar", "broken"])
    )
    keys = st.sampled_from(["title", "videoId", "video_id", "tags", "date"]) | words
    if kind == "none":
        return ""
    if kind == "dumped":  # valid YAML with values of any type
        body = yaml.safe_dump(draw(st.dictionaries(keys, yaml_value, max_size=5)), allow_unicode=True)
    elif kind == "raw":  # unquoted values: often, but not always, broken YAML
        pairs = draw(st.dictionaries(keys, yaml_value, max_size=5))
        body = "\n".join(f"{k}: {_yaml(v)}" for k, v in pairs.items())
    elif kind == "list":
        body = "- a\n- b"
    elif kind == "scalar":
        body = draw(inline)
    else:
        body = draw(st.sampled_from(["title: [unclosed", "a: b: c", "\tx: 1", "? [a]\n: b", "x: *nope"]))
    return f"---\n{body}\n---\n"


def _yaml(value: object) -> str:
    """A YAML flow rendering, on purpose without quoting strings (broken YAML is welcome)."""
    if isinstance(value, list):
        return "[" + ", ".join(map(_yaml, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    return "null" if value is None else str(value).replace("\n", " ")


@st.composite
def note(draw: st.DrawFn) -> str:
    source = draw(st.sampled_from(["", "From: [[dwarkesh | The Dwarkesh Podcast]]\n\n"]) | inline.map(
        lambda t: f"From: [[{t}]]\n\n"))  # fmt: skip
    blocks = draw(st.lists(block(), max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return (draw(front_matter()) + source + "\n\n".join(blocks) + "\n").replace("\n", newline)


def _plain(field: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", field)).strip()


@settings(PROFILE)
@given(note())
def test_random_notes_never_crash_and_give_safe_cards(source: str) -> None:
    try:
        parsed = parse_note(source, "fuzz.md")
        cards, _ = make_cards([parsed], Config())
        decks = group(cards)
        with tempfile.TemporaryDirectory() as tmp:
            if decks:
                write_package(decks, Path(tmp) / "fuzz.apkg", 0)
    except DeckgenError as exc:
        event(f"refused: {type(exc).__name__}")
        return
    event("no cards" if not cards else "1-9 cards" if len(cards) < 10 else "10+ cards")
    for card in cards:
        assert card.face.question.strip() and card.face.answer.strip()
        assert _plain(card_fields(card)[0]) and _plain(card_fields(card)[1])
        for field in card_fields(card):  # note text may say "onerror=", but never as markup
            assert active_content(field) == [], field


RISKY = [
    "[", "]", "(", ")", "<", ">", "{", "}", "!", "#", "*", "=", "_", "`", "~", ":", "|", "\\", "-", "^",
    "$", "%", "&", "?", "+", "\n", "\n\n", " ", "\t", "\r", "a", "Term", "1", "00:01:00", "::", ":::",
    "{{c1::", "{{cloze ", "}}", "==", "**", "[[", "]]", "](", "![[", "<a ", "</a>", "<!--", "-->",
    "<!--SR:!2024-01-01,1,250-->", "#flashcards", "#card", "---", "```", "> ", "- ", "1. ", "%%",
    'class="yt-timestamp" data-t="00:01:00">', "\x00", "\x1f", "\x1b]52;c;aGk=\x07", "\x9b", "\u202e",
    "\ufeff", "\u200b", "é", "模型",
]  # fmt: skip
"""The characters and pieces the reader's patterns and parser treat specially."""
risky_text = st.lists(st.sampled_from(RISKY), max_size=60).map("".join)
risky_yaml = st.lists(
    st.sampled_from(["title: ", "lang: ", "tags: ", "a: &x ", "b: *x", "[", "]", "{", "}", "\n", "- ",
                     "'", '"', "\\x1f", "English", "en", ": ", "|", ">", "!!python/object:os.system", "\t"]),
    max_size=12,
).map("".join)  # fmt: skip


@settings(PROFILE)
@given(st.one_of(risky_text, st.tuples(risky_yaml, risky_text).map(lambda p: f"---\n{p[0]}\n---\n{p[1]}"),
                 st.binary(max_size=200)))  # fmt: skip
def test_reader_gives_a_note_or_a_note_error(source: str | bytes) -> None:
    """Whatever a file holds, `read_note` returns a `Note` or raises `NoteError`, nothing else;
    and the note's cards are made without an error (a bad `lang:` stopped the whole build)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.md"
        if isinstance(source, bytes):
            path.write_bytes(source)
        else:
            path.write_text(source, encoding="utf-8", newline="")
        try:
            note = read_note(path, "fuzz.md")
        except NoteError as exc:
            event(f"refused: {exc.message[:25]}")
            assert exc.path == "fuzz.md" and exc.line >= 1
            return
    assert isinstance(note, Note)
    cards, _ = make_cards([note], Config())
    event("read, with cards" if cards else "read")
