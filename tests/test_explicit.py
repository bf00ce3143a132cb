"""Cards the author wrote (Spaced Repetition, Logseq, Anki syntax): read exactly, kept as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import corpus
from deckgen.cards.claims import explain, note_claims
from deckgen.cards.render import plain_question
from deckgen.config import Config, load_config
from deckgen.errors import ConfigError
from deckgen.model import CLOZE_CLOSE, CLOZE_OPEN, CLOZE_SEP, Candidate
from deckgen.notes import parse_note, read_note
from deckgen.rank import AUTHORED
from deckgen.rules.explicit import is_explicit

FIXTURES = Path(__file__).parent / "fixtures" / "explicit"
EXPECTED: dict[str, list[list[str]]] = yaml.safe_load((FIXTURES / "expected.yaml").read_text("utf-8"))
DEFAULT = Config()
CORPUS_TAGS = ("#flashcards", "#review", "#course")


def anki_markup(text: str) -> str:
    """A claim's cloze text in Anki's markup, as the expectations write it."""
    return re.sub(
        f"{CLOZE_OPEN}(\\d+){CLOZE_SEP}([^{CLOZE_CLOSE}]*){CLOZE_CLOSE}",
        lambda m: "{{c" + m.group(1) + "::" + m.group(2).replace(CLOZE_SEP, "::") + "}}",
        text,
    )


def written(path: Path, config: Config = DEFAULT) -> list[Candidate]:
    return [c for c in explain(read_note(path), config).kept if is_explicit(c)]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_syntax_gives_exactly_its_cards(name: str) -> None:
    got = [
        [c.claim.kind, anki_markup(c.claim.question), c.claim.answer, c.claim.deck]
        for c in written(FIXTURES / name)
    ]
    assert got == EXPECTED[name]


def test_every_fixture_has_expectations() -> None:
    assert {p.name for p in FIXTURES.glob("*.md")} == set(EXPECTED)


def test_a_note_with_written_cards_gives_only_those() -> None:
    source = "#flashcards\n\nWhat is a stomata::a pore in a leaf\n\n**Chlorophyll:** the green pigment.\n"
    ranking = explain(parse_note(source, "leaf.md"), Config())
    assert [c.claim.question for c in ranking.kept] == ["What is a stomata"]
    assert ranking.dropped and all(why == AUTHORED for _, why in ranking.dropped)


def test_generate_adds_generated_cards_but_not_repeats() -> None:
    ranking = explain(read_note(FIXTURES / "generate.md"), Config())
    kinds = [(c.rule, c.claim.question) for c in ranking.kept]
    assert kinds[0] == ("explicit", "What is a stomata")
    assert any(c.rule == "definition" and "Chlorophyll" in c.claim.question for c in ranking.kept)
    assert not any("pore" in c.claim.question for c in ranking.kept if not is_explicit(c))
    repeats = [why for c, why in ranking.dropped if "pore" in c.claim.context or "stomata" in c.claim.answer]
    assert repeats and all("repeats the card of line 6" in why for why in repeats)
    # the front matter wins over deckgen.yaml, and deckgen.yaml turns it on for every note
    off = parse_note("---\ngenerate: false\n---\n#flashcards\n\nQ::A\n\n**Term:** a meaning of it.\n", "n.md")
    assert len(explain(off, Config(generate=True)).kept) == 1
    on = parse_note("#flashcards\n\nQ::A\n\n**Term:** a meaning of it.\n", "n.md")
    assert len(explain(on, Config(generate=True)).kept) == 2


def test_written_cards_are_outside_the_cap() -> None:
    source = "#flashcards\n\n" + "\n".join(f"Question {i}::Answer {i}" for i in range(40))
    kept = explain(parse_note(source, "many.md"), Config(cap=3)).kept
    assert [c.claim.answer for c in kept] == [f"Answer {i}" for i in range(40)]


def test_review_comments_and_fences_never_show() -> None:
    source = "#flashcards\n\n```\nA::B\n```\n\n~~~\nC\n?\nD\n~~~\n\nE::F <!--SR:!2024-07-27,31,170-->\n"
    [card] = written_source(source)
    assert (card.claim.question, card.claim.answer) == ("E", "F")


def written_source(source: str, config: Config = DEFAULT) -> list[Candidate]:
    return [c for c in explain(parse_note(source, "n.md"), config).kept if is_explicit(c)]


def test_sub_tags_are_covered_but_not_lookalikes() -> None:
    assert written_source("#review/math\n\nQ::A\n", Config(flashcard_tags=("#review",)))
    assert not written_source("#review-2\n\nQ::A\n", Config(flashcard_tags=("#review",)))
    assert not written_source("Say `#flashcards` here.\n\nQ::A\n")
    assert written_source("---\ntags: [flashcards]\n---\nQ::A\n")


def test_bold_and_curly_clozes_when_turned_on() -> None:
    source = "#flashcards\n\nThe **mitochondrion** makes {{ATP}} from ==sugar==.\n"
    [default] = written_source(source)
    assert anki_markup(default.claim.question) == "The **mitochondrion** makes ATP from {{c1::sugar}}."
    [both] = written_source(source, Config(cloze_bold=True, cloze_curly=True))
    expected = "The {{c1::mitochondrion}} makes {{c2::ATP}} from {{c3::sugar}}."
    assert anki_markup(both.claim.question) == expected


def test_properties_and_highlights_outside_flashcard_notes_are_not_cards() -> None:
    note = read_note(FIXTURES / "properties.md")
    claims = note_claims(note, Config())
    assert not [d for d in claims.kept if d[0].kind in ("basic", "cloze")]


def test_config_reads_the_flashcard_settings(tmp_path: Path) -> None:
    path = tmp_path / "deckgen.yaml"
    path.write_text('flashcard_tags: ["#flashcards", "review"]\ngenerate: true\ncloze_bold: true\n')
    config = load_config(path)
    assert config.flashcard_tags == ("#flashcards", "#review")
    assert (config.generate, config.cloze_bold, config.cloze_curly) == (True, True, False)
    path.write_text("generate: maybe\n")
    with pytest.raises(ConfigError, match=r"deckgen.yaml:1: generate must be true or false"):
        load_config(path)


def independent_count(folder: Path, tags: tuple[str, ...]) -> int:
    """Cards in `folder` by a plain line scan (not deckgen's reader): `:::` and `??` count twice,
    `::` and `?` once, a paragraph with ==highlights== once (paragraphs closed together by a
    `+++` line are one card); only in files that carry a tag, nothing inside code fences."""
    names = "|".join(re.escape(t.lstrip("#")) for t in tags)
    tagged = re.compile(rf"(?<![\w/#])#(?:{names})(?:/[\w/-]+)?(?![\w-])")
    total = 0
    for path in sorted(folder.rglob("*.md")):
        lines, fence = [], False
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.lstrip().startswith(("```", "~~~")):
                fence = not fence
                continue
            lines.append("" if fence else re.sub(r"`[^`]*`", "", line))
        if not any(tagged.search(line) for line in lines):
            continue
        for line in lines:
            total += 2 if ":::" in line or line.strip() == "??" else int("::" in line or line.strip() == "?")
        chunks = re.split(r"\n\+\+\+\n", "\n".join(lines))
        for k, chunk in enumerate(chunks):
            highlighted = [p for p in re.split(r"\n\s*\n", chunk) if re.search(r"==\S.*?\S==", p)]
            total += min(len(highlighted), 1) if k < len(chunks) - 1 else len(highlighted)
    return total


def test_obsidian_sr_gives_every_hand_written_card() -> None:
    root = corpus("obsidian-sr")
    config = Config(flashcard_tags=CORPUS_TAGS)
    per_folder: dict[str, int] = {}
    for path in sorted(root.rglob("*.md")):
        top = path.relative_to(root).parts[0]
        per_folder[top] = per_folder.get(top, 0) + len(written(path, config))
    assert per_folder["syntax-docs"] == 0  # its examples stand in code fences
    for top, count in per_folder.items():
        assert count == independent_count(root / top, CORPUS_TAGS), top
    assert sum(per_folder.values()) > 50


def test_cloze_questions_read_as_anki_markup_in_the_lock_and_preview() -> None:
    [paris, _] = written(FIXTURES / "anki.md")
    expected = "{{c1::Paris}} is the capital of {{c2::France::country}}, written `a::b` nowhere here."
    assert plain_question(paris.claim.question) == expected
