"""Video moments as people write them: YouTube chapter lines are the note's moments (never cards),
and a YouTube link in the body is the note's video, so plain `[mm:ss]` stamps link to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TESTS
from deckgen.build import BuildOptions, build
from deckgen.cards.empty import empty_reason
from deckgen.config import Config
from deckgen.model import Card
from deckgen.notes import parse_note, read_note
from deckgen.rank import rank
from deckgen.rules import candidates

CHAPTERS = TESTS / "fixtures" / "chapters"
ALL = Config(cards="all")


def cards_of(name: str, tmp_path: Path) -> list[Card]:
    result = build([CHAPTERS / name], tmp_path / "out", ALL, 100, BuildOptions(every_card=True))
    return [c for d in result.decks for c in d.cards]


def test_chapter_lines_in_every_form_are_moments() -> None:
    note = read_note(CHAPTERS / "gradient descent.md")
    chapters = [(b.text, [t.seconds for _, t in b.stamps]) for b in note.blocks if b.kind == "chapter"]
    assert chapters == [
        ("Introduction to gradient descent", [0]),
        ("Code implementation with NumPy broadcasting over whole batches", [166]),
        ("Learning rate schedules", [330]), ("Results", [495]),
        ("Adding momentum to the updates", [600]), ("Closing remarks", [680]),
    ]  # fmt: skip
    assert [b.kind for b in note.blocks if b.term] == ["item", "item"]


def test_a_chapter_title_is_never_a_card_and_dates_the_cards_after_it(tmp_path: Path) -> None:
    note = read_note(CHAPTERS / "gradient descent.md")
    found = candidates(note)
    titles = {b.text for b in note.blocks if b.kind == "chapter"}
    assert found and not any(c.claim.source.line in range(7, 14) for c in found)
    assert not any(t in f"{c.claim.question} {c.claim.answer}" for c in found for t in titles)
    moments = {c.claim.key: [t.label for t in c.claim.timestamps] for c in found}
    assert moments["def:learning_rate"] == moments["def:momentum"] == ["11:20"]  # the last chapter above


@pytest.mark.parametrize(
    "text",
    ["- 0:00 Intro\n- 2:46 Setup\n", "0:00 - Intro\n2:46 - Setup\n", "1. 00:00 Intro\n2. 02:46 Setup\n",
     "* **00:00** Intro\n* **02:46** Setup\n", "- 0:00:00 – Intro\n- 0:02:46 – Setup\n"],
)  # fmt: skip
def test_the_forms_people_copy_from_youtube(text: str) -> None:
    note = parse_note(text, "n.md")
    assert [(b.kind, b.text, b.stamps[0][1].seconds) for b in note.blocks] == [
        ("chapter", "Intro", 0), ("chapter", "Setup", 166)
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "- 10:30 Registration opens.\n",
        "- [00:00] Intro\n- [02:46] Setup\n",
        "- **10:30:** coffee\n- **11:00:** talk\n",
    ],
)
def test_a_lone_clock_time_a_bracketed_stamp_or_a_term_is_no_chapter(text: str) -> None:
    assert not any(b.kind == "chapter" for b in parse_note(text, "n.md").blocks)


def test_a_note_of_chapter_titles_says_it_has_nothing_to_ask() -> None:
    note = read_note(CHAPTERS / "only chapters.md")
    reason = empty_reason(note, rank(note, candidates(note)))
    assert "nothing to ask" in reason and "no timestamps" not in reason


def test_a_body_video_link_is_the_notes_video_and_plain_stamps_link_to_it(tmp_path: Path) -> None:
    assert read_note(CHAPTERS / "body video.md").video_id == "tBBfsM_0hrE"
    links = {c.key: [t.url for t in c.face.timestamps] for c in cards_of("body video.md", tmp_path)}
    assert links["def:certificate"] == ["https://www.youtube.com/watch?v=tBBfsM_0hrE&t=125s"]
    assert links["def:determinant"] == ["https://www.youtube.com/watch?v=tBBfsM_0hrE&t=70s"]


@pytest.mark.parametrize(
    ("link", "video"),
    [("[Watch](https://youtu.be/tBBfsM_0hrE)", "tBBfsM_0hrE"),
     ("<https://m.youtube.com/watch?v=tBBfsM_0hrE>", "tBBfsM_0hrE"),
     ("![](https://www.youtube.com/embed/tBBfsM_0hrE)", "tBBfsM_0hrE"),
     ("[from 2:00](https://youtu.be/tBBfsM_0hrE?t=120)", ""),  # a moment's link names its own video
     ("[Elsewhere](https://vimeo.com/12345678901)", "")],
)  # fmt: skip
def test_the_forms_of_a_body_video_link(link: str, video: str) -> None:
    assert parse_note(f"Video: {link}\n\n- Steam lifts the crust [01:00].\n", "n.md").video_id == video


def test_front_matter_wins_and_two_linked_videos_name_none() -> None:
    front = parse_note(
        "---\nvideoId: Qm3nV8xLp2A\n---\n[Watch](https://youtu.be/tBBfsM_0hrE) [01:00]\n", "n.md"
    )
    assert front.video_id == "Qm3nV8xLp2A"
    two = read_note(CHAPTERS / "two videos.md")
    assert two.video_id == ""
    assert any("links 2 YouTube videos" in p.message and p.source.line == 5 for p in two.problems)


def test_a_note_that_only_links_its_video_asks_what_it_did_without_the_link() -> None:
    """With no moment in its text, a note of a video is read as one without a video: its marked
    phrases are still asked (a vault of video summaries kept 184 of its 287 cards otherwise)."""
    body = (
        "- The **Strangler Fig pattern** replaces a legacy system piece by piece behind a routing layer.\n"
        "- Prime Video cut its monitoring costs by moving from **serverless functions** to one process.\n"
    )
    plain = [c.claim.key for c in candidates(parse_note(body, "n.md")) if not c.reject]
    assert len(plain) == 2
    for head in ("> **Video:** [Monolith](https://www.youtube.com/watch?v=aVL3AObcb9M)\n\n",
                 "---\nvideoId: aVL3AObcb9M\n---\n"):  # fmt: skip
        note = parse_note(head + body, "n.md")
        assert note.video_id == "aVL3AObcb9M"
        assert [c.claim.key for c in candidates(note) if not c.reject] == plain
