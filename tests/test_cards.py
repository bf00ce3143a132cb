"""Claims → cards: deck by topic, tags, links, escaping, GUIDs."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckgen.build.readall import make_cards
from deckgen.cards.faces import anki_tag, deck_name
from deckgen.cards.render import answer_html, context_html, question_html, topic
from deckgen.config import Config
from deckgen.errors import ConfigError
from deckgen.model import Card, Link
from deckgen.notes import parse_note, read_note
from deckgen.write.apkg import card_fields

NOTE = """---
title: Reasoning in AI models
videoId: Wo95ob_s_NI
tags: [AI Research, "deep learning"]
---
From: [[dwarkesh | The Dwarkesh Podcast]]

## Limits

* **Long-term Coherence:** The ability to keep a <b>distant</b> goal in view over hours of work \
[[future_of_programming]] <a class="yt-timestamp" data-t="00:09:17">[00:09:17]</a>.
"""


def cards(config: Config | None = None, text: str = NOTE, folder: str = "") -> list[Card]:
    note = parse_note(text, "talks/reasoning.md", folder=folder)
    return make_cards([note], config or Config())[0]


def test_deck_by_source_and_title_under_optional_root() -> None:
    assert cards()[0].deck == "The Dwarkesh Podcast::Reasoning in AI models"
    assert cards(Config(root="Talks"))[0].deck == "Talks::The Dwarkesh Podcast::Reasoning in AI models"
    assert (
        cards(Config(deck="{folder}::{title}"), folder="ai/llm")[0].deck == "ai::llm::Reasoning in AI models"
    )


def test_double_colon_in_title_does_not_open_a_deck_level() -> None:
    note = parse_note("---\ntitle: 'A::B'\n---\nText.\n", "x.md")
    assert deck_name(note, Config()) == "Notes::A:B"


def test_bad_deck_template_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"uses nope — use only \{source\}, \{title\} and \{folder\}"):
        Config(deck="{nope}")


def test_tags_from_source_front_matter_and_links() -> None:
    assert cards()[0].face.tags == ("ai_research", "deep_learning", "dwarkesh", "future_of_programming")
    assert anki_tag("Deep Learning::Über Topic") == "deep_learning::über_topic"


def test_timestamp_links_and_topic() -> None:
    card = cards()[0]
    assert card.face.timestamps == (Link("09:17", "https://www.youtube.com/watch?v=Wo95ob_s_NI&t=557s"),)
    assert topic(card.face) == "Reasoning in AI models › Limits"


def test_note_text_is_escaped_in_fields() -> None:
    card = cards(text=NOTE.replace("<b>distant</b>", "<script>alert(1)</script>"))[0]
    assert "<script>" not in "".join(card_fields(card))


def test_guid_is_stable_and_unique() -> None:
    first, _ = make_cards([parse_note(NOTE, "talks/reasoning.md")], Config())
    second, _ = make_cards([parse_note(NOTE, "talks/reasoning.md")], Config())
    assert [c.guid for c in first] == [c.guid for c in second] and first[0].guid.startswith("dg")
    assert len({c.guid for c in first}) == len(first)
    moved, _ = make_cards([parse_note(NOTE, "elsewhere/renamed.md")], Config())
    assert [c.guid for c in moved] == [c.guid for c in first]


FORMS = Path(__file__).parent / "fixtures" / "notes"


def all_cards(name: str) -> list[Card]:
    return make_cards([read_note(FORMS / name)], Config(cards="all"))[0]


def test_link_stamps_open_their_own_video_at_their_moment() -> None:
    urls = {link.url for c in all_cards("link_stamps.md") for link in c.face.timestamps}
    assert "https://www.youtube.com/watch?v=Qm3nV8xLp2A&t=557s" in urls
    assert "https://www.youtube.com/watch?v=Zt7kR2wPq9E&t=600s" in urls
    assert urls <= {
        "https://www.youtube.com/watch?v=Qm3nV8xLp2A&t=557s", "https://www.youtube.com/watch?v=Zt7kR2wPq9E&t=600s",
        "https://www.youtube.com/watch?v=Zt7kR2wPq9E&t=3723s", "https://www.youtube.com/watch?v=Qm3nV8xLp2A&t=75s",
    }  # fmt: skip


def test_media_notes_stamps_link_the_media_link_video() -> None:
    links = {(link.label, link.url) for c in all_cards("media_notes.md") for link in c.face.timestamps}
    assert ("09:17", "https://www.youtube.com/watch?v=Qm3nV8xLp2A&t=557s") in links


def test_inline_tags_become_nested_anki_tags() -> None:
    cards = all_cards("tags.md")
    assert len(cards) == 2 and all(c.face.tags == ("baking::technique", "boule", "bread") for c in cards)
    assert anki_tag("course/aws/developer-associate") == "course::aws::developer_associate"


def test_embeds_never_become_tags_or_bang_text() -> None:
    cards = all_cards("embeds.md")
    assert cards
    for card in cards:
        shown = question_html(card.face) + answer_html(card.face) + context_html(card.face)
        assert "!500" not in shown and "|500" not in shown and "![" not in shown
        assert not any("png" in t or "jpg" in t for t in card.face.tags)
    assert any("[image: " in c.face.question + c.face.context for c in cards)
