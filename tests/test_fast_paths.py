"""The shortcuts taken for speed give what the plain definitions give.

Each fast path (stems found per word, a sentence's stems outside a blank, patterns skipped where
the text cannot match, the walk's own block tree) is checked against the slow, obvious version
on generated text, and the block tree against markdown-it-py's `SyntaxTreeNode` on real notes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.tree import SyntaxTreeNode

from conftest import CORPUS, SEEDS
from deckgen.lang import ENGLISH, LANGUAGES
from deckgen.notes import cardtext, explicit, inline
from deckgen.notes.markdown import _MD, _Node, _tree
from deckgen.notes.stamps import STAMP
from deckgen.rules import stems as common
from deckgen.text import INVISIBLE, content_words, neighbours, visible, words

PIECES = ["model", "models", "modelling", "pre-training", "training", "the", "a", "of", "la", "de",
          "scientific", "science", "it's", "GPU", "3,000", "—", ",", ".", " ", "\n", "-", "é"]  # fmt: skip
TEXT = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@st.composite
def text_and_span(draw: st.DrawFn) -> tuple[str, int, int]:
    text = draw(TEXT)
    a = draw(st.integers(0, len(text)))
    return text, a, draw(st.integers(a, len(text)))


@pytest.mark.parametrize("lang", ["en", "es"])
@settings(max_examples=300, deadline=None)
@given(case=text_and_span())
def test_stems_around_a_span_are_the_stems_of_the_text_left_and_right(
    lang: str, case: tuple[str, int, int]
) -> None:
    text, a, b = case
    language = LANGUAGES[lang]
    assert common.stems_around(text, a, b, language) == common.stems(f"{text[:a]} {text[b:]}", language)
    before, after = words(text[:a]), words(text[b:])
    assert neighbours(text, a, b) == (before[-1] if before else "", after[0] if after else "")


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_stems_per_word_are_the_stems_of_the_content_words(text: str) -> None:
    expected = set()
    for w in content_words(text):
        expected.add(common.stem(w, ENGLISH))
        if "-" in w:
            expected |= {common.stem(p, ENGLISH) for p in w.split("-") if len(p) > 2}
    assert common.stems(text, ENGLISH) == expected
    content = [w for w in words(text) if common.content(w, ENGLISH)]
    assert common.head_stem(text, ENGLISH) == (common.stem(content[-1], ENGLISH) if content else "")


STEMS = st.frozensets(st.sampled_from(["scienc", "scientif", "model", "modell", "train", "gpu", "abcdefg"]))


@given(mine=STEMS, shown=STEMS)
def test_overlap_finds_every_relative(mine: frozenset[str], shown: frozenset[str]) -> None:
    assert common.overlap(mine, shown) == {m for m in mine if any(common.related(m, s) for s in shown)}


MARKUP = st.lists(
    st.sampled_from(["x", " ", "`", "``", "<!--", "-->", "{{", "}}", "c1::", "cloze ", "[[", "]]", "](", ")",
                     "[", "]", "!", "|", "**", "==", "~~", "__", "#", "%%", ":", "12:30", "deckgen: skip"]),
    max_size=25,
).map("".join)  # fmt: skip


def _spaces(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


@settings(max_examples=400, deadline=None)
@given(line=MARKUP)
def test_explicit_reader_skips_only_patterns_that_cannot_match(line: str) -> None:
    no_code = cardtext.COMMENT.sub(_spaces, cardtext.CODE_SPAN.sub(_spaces, line))
    assert explicit._no_code(line) == no_code
    bare = no_code
    for pattern in (explicit._ANKI, explicit._LOGSEQ, explicit._BRACES, explicit._WIKI):
        bare = pattern.sub(_spaces, bare)
    assert explicit._bare(line) == bare
    assert explicit.tags_of(line) == tuple(f"#{m.group(1)}" for m in explicit.TAG.finditer(bare))
    marks_off = cardtext.COMMENT.sub("", line)
    steps: list[tuple[re.Pattern[str], Any]] = [
        (cardtext._IMAGES, cardtext._image), (cardtext._ALIASED, r"\2"), (cardtext._LINKED, r"\1"),
        (cardtext._MD_LINK, r"\1"),
    ]  # fmt: skip
    for pattern, to in steps:
        marks_off = pattern.sub(to, marks_off)
    # split() gives text, the backticks, the code, text, …: emphasis marks come off outside code only
    pieces = cardtext._INLINE_CODE.split(marks_off)
    marks_off = "".join(
        cardtext._EMPHASIS.sub(r"\2", piece) if k % 3 == 0 else piece if k % 3 == 2 else ""
        for k, piece in enumerate(pieces)
    )
    assert cardtext.marks_off(line) == marks_off


@given(text=st.lists(st.sampled_from(["a", " ", *INVISIBLE, "\u200c"]), max_size=12).map("".join))
def test_visible_removes_only_the_invisible_characters(text: str) -> None:
    assert visible(text) == "".join(ch for ch in text if ch not in INVISIBLE)


@settings(max_examples=400, deadline=None)
@given(text=MARKUP)
def test_inline_text_skips_only_patterns_that_cannot_match(text: str) -> None:
    links: list[str] = []
    stamps: list[object] = []
    problems: list[str] = []
    got = inline._text_piece(text, links, stamps, problems)  # type: ignore[arg-type]
    want_links: list[str] = []
    s = inline._COMMENT.sub(inline._comment, text)
    s = inline._EMBED.sub(lambda m: inline.placeholder(m.group(1), m.group(2) or ""), s)
    s = inline.WIKI.sub(lambda m: inline._wiki_text(m, want_links), s)
    s = inline._TAG.sub(lambda m: f"\x01{m.group(1)}\x02", s)
    times = [m.group(1) or m.group(2) for m in inline._BARE_TIME.finditer(s)]
    want = inline._BARE_TIME.sub(STAMP, s)
    assert (got, links) == (want, want_links)
    assert len(stamps) + len(problems) == len(times)


ANCHOR_PIECES = [
    '<a class="yt-timestamp" data-t="00:09:17">',
    '<A CLASS="yt-timestamp" href="#t=1:02">',
    "[00:09:17]",
    '<a data-t="99:99:99" class="yt-timestamp">',
    "</a>",
    "</a >",
    "<a href='x'>",
    "<b>",
    "</b>",
    "`",
    "[",
    "]",
    "(",
    ")",
    "**",
    "_",
    "text ",
    " more",
    ", ",
    "岡田",
    "\\",
    "<script>",
    "</script>",
    "\n",
    "\n\n[00:09:17]: https://example.org\n\n",
    "&amp;",
    "09:17",
    " ",
]


@settings(max_examples=500, deadline=None)
@given(text=st.lists(st.sampled_from(ANCHOR_PIECES), max_size=14).map("".join))
def test_a_whole_anchor_read_as_one_token_reads_as_its_html(text: str) -> None:
    """The `yt_stamp` rule only saves time: with it or without it a paragraph reads the same."""

    def read(source: str) -> list[inline.Inline]:
        return [inline.read_inline(t.children or []) for t in _MD.parse(source) if t.type == "inline"]

    fast = read(text)
    _MD.disable("yt_stamp")
    try:
        slow = read(text)
    finally:
        _MD.enable("yt_stamp")
    assert fast == slow


def _shape(node: SyntaxTreeNode | _Node) -> list[object]:
    """A node's type, tag and lines, and its children's, down to the inline tokens (not into them)."""
    if node.type == "root":
        return ["root", [_shape(c) for c in node.children]]
    kids = [] if node.type == "inline" else [_shape(c) for c in node.children]
    leaf = "" if node.nester_tokens else node.content
    lines = tuple(node.map) if node.map else None
    return [node.type, node.tag, lines, bool(node.nester_tokens), leaf, kids]


def _notes() -> list[Path]:
    return sorted(SEEDS.glob("*.md")) + sorted(CORPUS.rglob("*.md"))[::7]


def test_block_tree_is_markdown_it_pys_tree() -> None:
    checked = 0
    for path in _notes():
        tokens = _MD.parse(path.read_text(encoding="utf-8", errors="replace"))
        assert _shape(_tree(tokens)) == _shape(SyntaxTreeNode(tokens)), path
        checked += 1
    assert checked >= len(list(SEEDS.glob("*.md")))


@settings(max_examples=300, deadline=None)
@given(answer=TEXT, front=TEXT)
def test_gives_away_is_its_definition(answer: str, front: str) -> None:
    mine, shown = common.stems(answer, ENGLISH), common.stems(front, ENGLISH)

    def near(stems: set[str] | frozenset[str]) -> set[str]:
        return {m for m in stems if any(common.related(m, s) for s in shown)}

    want = not mine or bool(near({common.head_stem(answer, ENGLISH)}))
    want = want or (len(near(mine)) * 2 >= len(mine) and len(mine) > 1)
    assert common.gives_away(answer, front, ENGLISH) == want
