"""Pathological notes far under the 2 MB cap: the work a note takes grows linearly with its size.

Each case is a short unit repeated, on one line or one per line, that made a pattern or loop of
the reader or the rules scan the rest of the note from every position (`'<a ' * 66_000` took
181 s, `'{{c1::' * 33_000` 142 s). A case passes when four times the input takes less than
`GROWTH` times as long (linear work: about 4; quadratic: about 16), and no run may reach the
`HANG` cut-off. No absolute time is asserted: timings belong to `bench/`.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pytest

from deckgen.cards.claims import note_claims
from deckgen.config import Config
from deckgen.notes import parse_note

GROWTH = 9.0
"""Four times the input may take at most this many times as long (linear: ~4, quadratic: ~16)."""
TRIES = 3
"""A case that looks super-linear is measured again, up to this many times: one linear-looking
measurement passes it, so a busy machine does not fail it."""

UNITS = {
    "anchor": "<a ", "anchor_href": "<a href=", "anki_cloze": "{{c1::", "logseq_cloze": "{{cloze ",
    "bracket": "[", "link_open": "[a](", "link_tail": "](", "wiki": "[[a", "wiki_alias": "[[a|",
    "embed": "![[", "image": "![a](", "sr_card": "q::a", "sr_comment": "<!--SR:", "comment": "<!--",
    "highlight": "==a", "bold": "**a", "term": "**A:** b ", "code": "``a`", "tag": "#a ", "curly": "{{a",
    "star": "*a ", "math": "$a", "paren_math": "\\(a", "stamp": "[00:0", "html": "<b>",
    "bold_open": "**a ", "highlight_open": "==a ", "cloze_hint": "{{c1::a::", "image_tail": "![a](b",
}  # fmt: skip
"""One unit of each pathological input: repeated, it must not make the work super-linear."""
LONG_TAILS = {
    "embed_name": ("![[", "a"),
    "logseq_spaces": ("{{cloze a", " "),
    "anki_colons": ("{{c1::a", "::"),
}
"""An opening followed by one character repeated (a pattern that backtracks within one span)."""
SIZE = 2_000
"""Repeats of a unit in the small note (the large one has four times as many)."""


HANG = 60
"""Seconds after which one run counts as a hang (the large notes take well under one)."""
FLOOR = 0.02
"""The small note's time counts as at least this much: below it, timer noise is the ratio."""


def _hang(signum: int, frame: object) -> None:
    raise TimeoutError(f"one note took over {HANG} s")


def work(source: str) -> float:
    """Seconds to read a note and find its candidates; over `HANG` seconds is a failure."""
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(HANG)
    try:
        start = time.perf_counter()
        note_claims(parse_note(source, "n.md"), Config())
        return time.perf_counter() - start
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def grows_linearly(note: Callable[[int], str]) -> None:
    """Fails when `note(4 * SIZE)` takes `GROWTH` times as long as `note(SIZE)`, in each of
    `TRIES` measurements (one is enough to pass)."""
    for _ in range(TRIES):
        small, large = work(note(SIZE)), work(note(4 * SIZE))
        if large / max(small, FLOOR) < GROWTH:
            return
    pytest.fail(f"{4 * SIZE} units took {large:.2f} s, {SIZE} took {small:.2f} s")


@pytest.mark.parametrize("name", sorted(UNITS))
@pytest.mark.parametrize("shape", ["line", "lines", "flashcards"])
def test_work_grows_linearly(name: str, shape: str) -> None:
    unit = UNITS[name]

    def note(n: int) -> str:
        body = unit * n + " x\n" if shape == "line" else (unit + "\n") * n
        return ("#flashcards\n\n" if shape == "flashcards" else "") + body

    grows_linearly(note)


@pytest.mark.parametrize("name", sorted(LONG_TAILS))
def test_one_long_span_is_read_in_linear_time(name: str) -> None:
    opening, tail = LONG_TAILS[name]
    grows_linearly(lambda n: f"#flashcards\n\n{opening}{tail * n * 4}\n")


def glossary(terms: int) -> str:
    """A note that is one list of `terms` `**Term:** meaning` items under a lead-in."""
    items = (
        f"- **Term{i}x{chr(97 + i % 26)}:** the meaning of item {i} in the glossary.\n" for i in range(terms)
    )
    return "# Glossary\n\nThe terms of the course:\n\n" + "".join(items)


def test_a_long_list_gives_text_in_proportion_to_its_length() -> None:
    """Each item's list candidate held the whole list: a 6,000-term glossary made 1.8 GB of text."""
    from deckgen.rules import candidates, weights

    def text(terms: int) -> int:
        found = candidates(parse_note(glossary(terms), "g.md"))
        lists = [c for c in found if c.rule == "list"]
        assert [c.reject for c in lists] == ["too many items to ask one by one"]
        return sum(len(c.claim.question) + len(c.claim.answer) + len(c.claim.context) for c in found)

    assert text(4 * 1_000) < 4.5 * text(1_000)  # linear: 4; one candidate per item with the list: 16
    most = weights.MAX_CANDIDATES  # up to here, each item has its own candidate and reason
    assert len([c for c in candidates(parse_note(glossary(most), "g.md")) if c.rule == "list"]) == most
