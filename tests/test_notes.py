"""Reading notes: front matter, the source line, headings, blocks and every timestamp form."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import FrameType

import pytest

from deckgen.errors import NoteError
from deckgen.model import Block
from deckgen.notes import format_time, parse_note, parse_time, read_note
from deckgen.notes.parser import ParsedMarkdown
from deckgen.text import sentences


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("00:09:17", 557), ("1:02:03", 3723), ("09:17", 557), ("2241", 2241), ("31:52]", 1912),
     ("01:00:37:01", 3637), ("99:99:99", None), ("HH:MM:SS", None), ("", None), ("1:2:3:4:5", None),
     ("9" * 5000, None), ("²", None), ("1²:00", None), ("1000:00", None)],
)  # fmt: skip
def test_parse_time(value: str, seconds: int | None) -> None:
    assert parse_time(value) == seconds


def test_format_time() -> None:
    assert [format_time(s) for s in (5, 557, 3723)] == ["00:05", "09:17", "1:02:03"]


def test_front_matter_source_and_headings() -> None:
    note = parse_note(
        "---\ntitle: T\nvideoId: Wo95ob_s_NI\ntags: [ai, 'deep learning']\n---\n\n"
        'From: [[dwarkesh | The Dwarkesh Podcast]]\n\n# Top\n\n## Sub <a class="yt-timestamp" '
        'data-t="00:00:05">[00:00:05]</a>\n\nBody text here <a class="yt-timestamp" '
        'data-t="00:01:00">[00:01:00]</a>.\n',
        "t.md",
    )
    assert (note.title, note.video_id, note.source_id, note.source_name) == (
        "T", "Wo95ob_s_NI", "dwarkesh", "The Dwarkesh Podcast",
    )  # fmt: skip
    assert note.tags == ("ai", "deep learning")
    [block] = note.blocks
    assert block.headings == ("Top", "Sub")
    assert block.text == "Body text here."
    assert [(off, t.label) for off, t in block.stamps] == [(14, "01:00")]
    assert block.line == 13


@pytest.mark.parametrize(
    "line", ["From: [[allin]] <br/> ", "From: [[allin | All-In]]<br/>", "**From:** [[allin]]"]
)
def test_source_line_variants(line: str) -> None:
    note = parse_note(f"---\ntitle: x\n---\n{line}\n\nText.\n", "x.md")
    assert note.source_id == "allin"
    assert [b.text for b in note.blocks] == ["Text."]


def test_wiki_links_labels_and_references() -> None:
    note = parse_note(
        "See [[Alan Turing]] and [[turing_machine | the machine]] [[see_also_topic]].\n", "x.md"
    )
    [block] = note.blocks
    assert block.text == "See Alan Turing and the machine."
    assert block.links == ("Alan Turing", "turing_machine", "see_also_topic")


@pytest.mark.parametrize(
    ("text", "read"),
    [
        # A link that repeats its target's words after a finished phrase is a "see also".
        ("Speed matters in the Manhattan Project [[ai_for_science | AI for Science]].",
         "Speed matters in the Manhattan Project."),
        ("Progress came from data [[ai_for_science | AI for science]]; then compute.",
         "Progress came from data; then compute."),
        # After an article, a preposition or a conjunction it is the word the sentence needs.
        ("PARP1 uses a large amount of [[nad_and_its_precursors | NAD]]; damage lowers it.",
         "PARP1 uses a large amount of NAD; damage lowers it."),
        ("Content is recycled from [[tiktok_and_its_rise | TikTok]].", "Content is recycled from TikTok."),
        ("It measures both work and [[energy | energy]].", "It measures both work and energy."),
        # After "before" or "over" it may be either, and stays a "see also".
        ("Tasks not seen before [[agi_vs_humans | AGI vs Humans]].", "Tasks not seen before."),
    ],
)  # fmt: skip
def test_a_link_that_repeats_its_target_is_dropped_only_where_no_word_needs_it(text: str, read: str) -> None:
    [block] = parse_note(text + "\n", "x.md").blocks
    assert block.text == read


def test_nested_lists_carry_lead_in_and_term() -> None:
    note = parse_note(
        "Limits include:\n* **Coherence:** Models drift.\n"
        "  * Long tasks suffer most.\n* **Memory:** Short.\n",
        "x.md",
    )
    _, coherence, child, memory = note.blocks
    assert (coherence.term, coherence.text, coherence.lead_in) == (
        "Coherence",
        "Models drift.",
        "Limits include:",
    )
    assert child.lead_in == "Coherence" and child.list_id != coherence.list_id
    assert memory.list_id == coherence.list_id and memory.list_last and memory.list_size == 2


def test_timestamp_range_leaves_no_dash() -> None:
    note = parse_note(
        'Growth was fast <a class="yt-timestamp" data-t="01:54:00">[01:54:00]</a> - '
        '<a class="yt-timestamp" data-t="01:54:42">[01:54:42]</a>.\n',
        "x.md",
    )
    assert note.blocks[0].text == "Growth was fast."
    assert [t.label for _, t in note.blocks[0].stamps] == ["1:54:00", "1:54:42"]


def test_malformed_timestamp_is_a_warning_with_line() -> None:
    note = parse_note('\n\nText <a class="yt-timestamp" data-t="99:99:99">[99:99:99]</a>.\n', "x.md")
    [problem] = note.problems
    assert str(problem) == "x.md:3: malformed timestamp '99:99:99' skipped — write it as HH:MM:SS"
    assert note.blocks[0].stamps == ()


def test_code_and_tables_give_no_blocks() -> None:
    note = parse_note("```\nCode with [00:01:00].\n```\n\n| a |\n|---|\n| b [00:02:00] |\n", "x.md")
    assert note.blocks == ()


def test_bad_video_id_gives_no_links_and_a_warning() -> None:
    note = parse_note('---\ntitle: x\nvideoId: "x&t=1\\"><script>"\n---\nText.\n', "x.md")
    assert note.video_id == ""
    assert "is not a YouTube video ID" in str(note.problems[0])


def test_missing_title_comes_from_file_name() -> None:
    assert parse_note("Text.\n", "notes/my_topic.md").title == "my topic"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "---\ntitle: [unclosed\n---\n",
            "x.md:2: front matter is not valid YAML (expected ',' or ']', but got '<stream end>')"
            " — fix it or remove the --- block",
        ),
        ("---\n- a\n- b\n---\n", "x.md:1: front matter is not a mapping — write `key: value` lines"),
        (
            "---\ndate: 2024-13-45\n---\n",
            "x.md:1: front matter has a value YAML cannot read (month must be in 1..12) — put it in quotes",
        ),
        (
            "---\nx: " + "[" * 3000 + "]" * 3000 + "\n---\n",
            "x.md:1: front matter is nested too deeply — write plain `key: value` lines",
        ),
    ],
)
def test_bad_front_matter(text: str, message: str) -> None:
    with pytest.raises(NoteError) as err:
        parse_note(text, "x.md")
    assert str(err.value) == message


def _stack_depth() -> int:
    frame: FrameType | None = sys._getframe()
    depth = 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def test_deepest_note_with_little_stack_left_is_refused_not_a_crash() -> None:
    """Nesting at markdown-it-py's limit parses in ~270 frames and its walk needs ~260 more: a
    caller that has used most of the stack gets a `NoteError`, not a `RecursionError`."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_stack_depth() + 200)
    try:
        with pytest.raises(NoteError) as err:
            parse_note("> " * 1000 + "Too deep.\n", "deep.md")
    finally:
        sys.setrecursionlimit(limit)
    assert str(err.value) == (
        "deep.md:1: the note is nested too deeply to read — use fewer levels of lists and quotes"
    )


def test_deepest_note_with_400_frames_left_is_read() -> None:
    """The tree is built without recursion, so 400 frames are enough for the deepest note: what
    is nested too deep is left out with a warning."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_stack_depth() + 400)
    try:
        note = parse_note("> " * 1000 + "Too deep.\n", "deep.md")
    finally:
        sys.setrecursionlimit(limit)
    assert [str(p) for p in note.problems] == [
        "deep.md:1: lists and quotes nested this deep are not read — use fewer levels"
    ]


def test_read_note_rejects_binary_and_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "bin.md").write_bytes(b"\x89PNG\x00\x00")
    (tmp_path / "latin.md").write_bytes("title\n\ncaf\xe9".encode("latin-1"))
    with pytest.raises(NoteError, match="binary file"):
        read_note(tmp_path / "bin.md", "bin.md")
    with pytest.raises(NoteError, match=r"latin.md:3: the file is not UTF-8"):
        read_note(tmp_path / "latin.md", "latin.md")


def test_read_note_accepts_bom_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "n.md").write_bytes(b"\xef\xbb\xbf---\r\ntitle: T\r\n---\r\nText here.\r\n")
    note = read_note(tmp_path / "n.md")
    assert note.title == "T" and note.blocks[0].text == "Text here."


def test_front_matter_values_that_are_not_text() -> None:
    note = parse_note("---\ntitle: [a, b]\nvideoId: {x: 1}\ntags: [a, [b]]\n---\nText.\n", "n_1.md")
    assert (note.title, note.video_id, note.tags) == ("n 1", "", ("a",))
    assert [p.message for p in note.problems] == [
        "`title` is a list — write it as `title: text` on one line",
        "`videoId` is a mapping — write it as `videoId: text` on one line",
    ]


def test_many_timestamps_keep_their_offsets() -> None:
    note = parse_note("One [00:00:01] two [00:00:02]. " * 5000 + "\n", "x.md")
    [block] = note.blocks
    assert len(block.stamps) == 10_000
    assert [off for off, _ in block.stamps[:4]] == [3, 7, 12, 16]
    assert block.text[:16] == "One two. One two"


def test_unclosed_anchor_hides_no_text() -> None:
    note = parse_note('Models forget <a class="yt-timestamp" data-t="00:02:00">[00:02:00] details.\n', "x.md")
    [block] = note.blocks
    assert block.text == "Models forget details."
    assert [t.label for _, t in block.stamps] == ["02:00"]


def test_markup_never_becomes_card_text_and_words_stay_words() -> None:
    note = parse_note(
        "Text <script>alert(1)</script> with `javascript:alert(2)` and on**error**=x in it [00:01:00].\n",
        "x.md",
    )
    [block] = note.blocks
    # the inline script's text is dropped; words about scripts are only words (cards escape them)
    assert block.text == "Text with javascript:alert(2) and onerror=x in it."
    assert note.problems == ()
    assert block.stamps[0][0] == len(block.text) - 1


def test_invisible_characters_and_the_blank_marker_are_dropped() -> None:
    note = parse_note("**Co\u200bherence:** Models\ue000 drift [00:\u200b01:00].\n", "x.md")
    [block] = note.blocks
    assert (block.term, block.text, block.stamps[0][1].label) == ("Coherence", "Models drift.", "01:00")


def test_empty_note_is_a_warning() -> None:
    assert [p.message for p in parse_note(" \n\ufeff\n", "x.md").problems] == [
        "the note is empty — write your notes in it, or delete it"
    ]


def test_file_names_are_printable_in_messages(tmp_path: Path) -> None:
    (tmp_path / "a\u202eb.md").write_bytes(b"\x00")
    with pytest.raises(NoteError) as err:
        read_note(tmp_path / "a\u202eb.md", "a\u202eb.md")
    assert str(err.value).startswith("a\\u202eb.md:1: this is a binary file")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Это важно. Модель учится.", ["Это важно.", "Модель учится."]),
        ("模型很好。它学习。", ["模型很好。", "它学习。"]),
        ("See e.g. Turing. Dr. Who came.", ["See e.g. Turing.", "Dr. Who came."]),
        ("one. two", ["one. two"]),
    ],
)
def test_sentences_in_any_script(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_parse_note_takes_any_parser() -> None:
    """The reader needs only a `Parser`: front matter, title and video ID are its own work."""
    block = Block(kind="paragraph", text="Parsed elsewhere.", stamps=(), emphasis=(), links=(),
                  headings=("H",), line=3)  # fmt: skip

    def parser(source: str, path: str) -> ParsedMarkdown:
        assert source == "whatever"
        return ParsedMarkdown("title: Swapped\nvideoId: bad", (block,), "src", "Source", ())

    note = parse_note("whatever", "x.md", parser=parser)
    assert (note.title, note.video_id, note.source_name, note.blocks) == ("Swapped", "", "Source", (block,))
    assert [str(p) for p in note.problems] == [
        "x.md:1: videoId 'bad' is not a YouTube video ID (11 letters, digits, - or _) — cards get no links"
    ]


def test_only_the_parser_modules_know_markdown_it() -> None:
    """The reader's parser, and the renderer of a hand-written card's Markdown (`cards/written.py`)."""
    src = Path(__file__).parent.parent / "src" / "deckgen"
    users = {
        p.relative_to(src).as_posix()
        for p in src.rglob("*.py")
        if re.search(r"^(from|import) (markdown_it|mdit_py_plugins)\b", p.read_text(encoding="utf-8"), re.M)
    }
    assert users == {"notes/markdown.py", "notes/inline.py", "cards/written.py"}


# Notes as people really write them (issue 11): each fixture under tests/fixtures/notes/ is one form.
FORMS = Path(__file__).parent / "fixtures" / "notes"


def stamps_of(name: str) -> list[tuple[str, int, str]]:
    """(label, seconds, video) of every stamp of a fixture note, in reading order."""
    return [(t.label, t.seconds, t.video) for b in read_note(FORMS / name).blocks for _, t in b.stamps]


def test_media_notes_lines_are_blocks_of_their_own_with_the_media_link_video() -> None:
    note = read_note(FORMS / "media_notes.md")
    assert note.video_id == "Qm3nV8xLp2A"
    assert [(b.line, b.text) for b in note.blocks] == [
        (4, "Sourdough starter needs feeding twice a day at room temperature."),
        (5, "An autolyse rests flour and water for 30 minutes before the salt goes in."),
    ]
    assert stamps_of("media_notes.md") == [("02:05", 125, ""), ("09:17", 557, "")]


def test_stamps_written_as_youtube_links_name_their_video() -> None:
    note = read_note(FORMS / "link_stamps.md")
    assert note.video_id == ""
    assert stamps_of("link_stamps.md") == [
        ("09:17", 557, "Qm3nV8xLp2A"), ("10:00", 600, "Zt7kR2wPq9E"),
        ("1:02:03", 3723, "Zt7kR2wPq9E"), ("01:15", 75, "Qm3nV8xLp2A"),
    ]  # fmt: skip
    # A link that starts at a moment keeps its words; a plain YouTube link is no stamp.
    assert note.blocks[2].text.endswith("as the baker explains.")
    assert note.blocks[4].stamps == ()


@pytest.mark.parametrize(
    ("front", "video"),
    [("videoId: https://youtu.be/Qm3nV8xLp2A", "Qm3nV8xLp2A"), ("video_id: Qm3nV8xLp2A", "Qm3nV8xLp2A"),
     ("url: https://www.youtube.com/watch?v=Qm3nV8xLp2A&t=5s", "Qm3nV8xLp2A"),
     ("source: https://m.youtube.com/shorts/Qm3nV8xLp2A", "Qm3nV8xLp2A"),
     ("source: The Bread Podcast", ""), ("url: https://example.com/watch?v=Qm3nV8xLp2A", "")],
)  # fmt: skip
def test_the_note_video_comes_from_any_front_matter_key(front: str, video: str) -> None:
    assert parse_note(f"---\n{front}\n---\nText [01:00].\n", "v.md").video_id == video


def test_a_link_to_the_notes_own_video_is_the_notes_video() -> None:
    note = parse_note(
        "---\nvideoId: Qm3nV8xLp2A\n---\nA [01:00](https://youtu.be/Qm3nV8xLp2A?t=60).\n", "o.md"
    )
    assert [t.video for _, t in note.blocks[0].stamps] == [""]


def test_parenthesised_hh_mm_ss_is_a_stamp_but_a_clock_time_is_not() -> None:
    [block] = read_note(FORMS / "paren_stamps.md").blocks
    assert stamps_of("paren_stamps.md") == [("00:52", 52, "")]
    assert "(00:00:52)" not in block.text and "at (12:30) in" in block.text


def test_mm_ss_00_stamps_are_read_as_minutes_with_a_warning() -> None:
    note = read_note(FORMS / "minutes_seconds.md")
    assert stamps_of("minutes_seconds.md") == [("07:59", 479, ""), ("12:08", 728, ""), ("33:03", 1983, "")]
    [problem] = note.problems
    assert problem.source.path.endswith("minutes_seconds.md") and "MM:SS:00" in problem.message
    # Under two hours, `H:MM:00` stamps are hours and minutes as written.
    assert stamps_of("hours.md") == [("59:00", 3540, ""), ("1:30:00", 5400, "")]
    assert read_note(FORMS / "hours.md").problems == ()


def test_embeds_show_as_placeholders_and_math_as_written() -> None:
    note = read_note(FORMS / "embeds.md")
    texts = [b.text for b in note.blocks]
    assert texts[:2] == [
        "An open crumb shows large irregular holes [image: crumb photo.png|500] from high hydration.",
        "Baker's percentage writes each ingredient as $w_i / w_{flour} * 100$ of the flour weight.",
    ]  # an image alone (with its `{width=…}`) is no block
    assert texts[2:] == [
        "the inside of a loaf, open when the dough is wet [image: crumb photo.png|500]",
        "the outside of a loaf, browned by the Maillard reaction [image: img/crust.png]",
    ]
    assert not any(b.links for b in note.blocks) and note.tags == ()


def test_inline_tags_are_collected_and_leave_the_text() -> None:
    note = read_note(FORMS / "tags.md")
    assert note.tags == ("baking/technique", "boule", "bread")
    block = note.blocks[0]
    assert "#" not in block.text.replace("#123", "").replace("bread#crumb", "")
    assert "before the final shape A boule is a round loaf" in block.text  # mid-sentence: the word stays
    assert note.blocks[1].text == 'a round loaf, French for "ball"'
    assert note.blocks[-1].text == "an oval loaf, between a boule and a baguette"  # the tag line is no block
    both = parse_note("---\ntags: [bread]\n---\nText #bread #crust.\n", "t.md")
    assert both.tags == ("bread", "crust")


@pytest.mark.parametrize(
    ("text", "title"),
    [("---\ntitle: From front\n---\n# Heading\n\nText.\n", "From front"), ("# The H1\n\nText.\n", "my note"),
     ("Text first.\n\n# Later section\n\nMore.\n", "my note"), ("- # In a list\n", "my note"),
     ("## Sub first\n\n# Not a title\n", "my note")],
)  # fmt: skip
def test_title_from_front_matter_else_file_name_never_a_heading(text: str, title: str) -> None:
    assert parse_note(text, "dir/my_note.md").title == title


def test_callout_marker_never_reaches_the_text() -> None:
    note = read_note(FORMS / "callout.md")
    assert [b.text for b in note.blocks] == [
        "Why steam matters",
        "Steam keeps the crust soft so the loaf can rise before the crust sets.",
        "A tray of ice cubes under the loaf gives enough steam in a home oven.",
    ]
    assert [b.line for b in note.blocks] == [4, 5, 8]
    assert [(o, t.label) for o, t in note.blocks[1].stamps] == [(69, "04:10")]


LANG_NOTE = "---\ntitle: T\nlang: {}\n---\n\n- **Photosynthesis:** how plants make sugar from light.\n"


@pytest.mark.parametrize("value", ["English", "zz", "12", "en us"])
def test_unknown_language_is_a_warning_and_the_language_is_detected(value: str) -> None:
    from deckgen.build.readall import make_cards
    from deckgen.config import Config

    note = parse_note(LANG_NOTE.format(value), "n.md")
    assert note.lang == ""
    [problem] = note.problems
    assert str(problem).startswith(f"n.md:3: `lang: {value}` is not a language code deckgen knows — ")
    cards, _ = make_cards([note], Config())  # the whole build stopped here with a traceback
    assert [c.face.answer for c in cards] == ["how plants make sugar from light."]


@pytest.mark.parametrize("value", ["en", "pt-BR", "de_DE", "it"])
def test_known_language_codes_are_kept(value: str) -> None:
    note = parse_note(LANG_NOTE.format(value), "n.md")
    assert note.lang == value and note.problems == ()


def test_front_matter_alias_is_refused_with_its_line() -> None:
    with pytest.raises(NoteError) as caught:
        parse_note("---\ntitle: T\nx: &a [1, 2]\ny: *a\n---\n\nText.\n", "n.md")
    assert str(caught.value) == "n.md:4: front matter uses a YAML alias (*name) — write the value out instead"


def test_yaml_alias_bomb_is_refused_unexpanded() -> None:
    """Nine levels of ten aliases each would be 10^9 values (48 s and 5.4 GB before)."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    with pytest.raises(NoteError, match=r"^bomb.md:3: front matter uses a YAML alias"):
        parse_note("---\n" + "\n".join(levels) + "\n---\n\nText.\n", "bomb.md")


def test_ten_thousand_clozes_in_one_note_are_all_numbered() -> None:
    """`resolve_clozes` numbered at most 9,999 deletions; the next raised a StopIteration."""
    from deckgen.build.readall import make_cards
    from deckgen.config import Config
    from deckgen.model import CLOZE_OPEN

    note = parse_note("#flashcards\n\n" + " ".join(["==a=="] * 10_001) + "\n", "n.md")
    [card], _ = make_cards([note], Config())
    numbers = re.findall(f"{CLOZE_OPEN}(\\d+)", card.face.question)
    assert numbers == [str(n) for n in range(1, 10_002)]
