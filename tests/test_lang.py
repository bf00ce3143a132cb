"""Notes in other languages: detection, question words from the note's language, no English."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import REFERENCE, TESTS
from deckgen.build.readall import make_cards
from deckgen.config import Config
from deckgen.lang import ENGLISH, LANGUAGES, detect, language
from deckgen.model import BLANK, Note
from deckgen.notes import parse_note, read_note
from deckgen.rank import rank
from deckgen.rules import candidates, rule_context
from deckgen.rules.definition import is_term
from deckgen.text import sentence_spans

LANG = TESTS / "fixtures" / "lang"
ENGLISH_WORDS = re.compile(r"\b(?:What is meant|Which term|Name both|According to|words?|number|year)\b")


def cards(path: Path) -> list[tuple[str, str]]:
    found, _ = make_cards([read_note(path, path.name)], Config(cards="all"))
    return [(c.face.question.replace(BLANK, "_____"), c.face.answer) for c in found]


@pytest.mark.parametrize("code", ["es", "pt", "de", "fr", "ja"])
def test_each_language_is_detected_and_asked_in_its_own_words(code: str) -> None:
    note = read_note(LANG / f"{code}.md")
    assert detect(b.text for b in note.blocks).code == code
    made = cards(LANG / f"{code}.md")
    assert len(made) >= 2, made
    assert not [q for q, _ in made if ENGLISH_WORDS.search(q)], made
    meant = LANGUAGES[code].what_is_meant.split("{term}")[0]
    assert any(q.startswith(meant) for q, _ in made), made


def test_english_stays_english() -> None:
    assert detect(b.text for b in read_note(REFERENCE).blocks) is ENGLISH


def test_language_codes_and_the_english_fallback_that_says_so() -> None:
    assert language("es-MX") is LANGUAGES["es"] and language("pt_BR") is LANGUAGES["pt"]
    assert language("sw").fallback and language("sw").what_is_meant == ENGLISH.what_is_meant
    assert not language("de").fallback


def test_a_note_language_set_on_the_note_wins_over_detection() -> None:
    note = parse_note("* **Recompensa:** La señal que el agente recibe del entorno [00:01:10].\n", "x.md")
    assert detect(b.text for b in note.blocks).code == "es"
    found, _ = make_cards([replace(note, lang="pt")], Config(cards="all"))
    assert found and found[0].face.question.startswith("O que significa")


def test_japanese_terms_with_a_full_width_colon_and_no_blank_swallows_a_sentence() -> None:
    made = cards(LANG / "ja.md")
    assert ("「報酬」とは何か？", "エージェントが行動の後に環境から受け取る数値の信号。") in made
    for question, answer in made:  # a blank holds a phrase, never the sentence
        if "_____" in question:
            assert len(answer) * 2 < len(question.replace("_____", "")), question


def test_german_capitalised_nouns_are_not_taken_for_names() -> None:
    made = cards(LANG / "de.md")
    assert not [q for q, _ in made if "(Name)" in q], made


def test_blank_hints_speak_the_note_language() -> None:
    made = dict(cards(LANG / "pt.md"))
    assert any("(1 palavra)" in q for q in made), made


def test_front_matter_lang_sets_the_note_language() -> None:
    note = parse_note(
        "---\nlang: pt\n---\n* **Recompensa:** La señal que el agente recibe [00:01:10].\n", "x.md"
    )
    assert note.lang == "pt"
    found, _ = make_cards([note], Config(cards="all"))
    assert found and found[0].face.question.startswith("O que significa")


def test_function_words_are_kept_beside_the_cache_as_wordfreq_gives_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wordfreq import top_n_list

    from deckgen import lang

    monkeypatch.setattr(lang, "_FUNCTION_WORDS", {})
    lang.remember_function_words(tmp_path)
    [kept] = tmp_path.glob("function-words-*.json")
    assert {c: set(ws) for c, ws in json.loads(kept.read_text("utf-8")).items()} == {
        c: set(top_n_list(c, 60, wordlist="small")) for c in ("en", "es", "pt", "de", "fr")
    }
    kept.write_text('{"en": ["only"]}', encoding="utf-8")  # damaged: made again from wordfreq
    monkeypatch.setattr(lang, "_FUNCTION_WORDS", {})
    lang.remember_function_words(tmp_path)
    assert lang.function_words("en") == frozenset(top_n_list("en", 60, wordlist="small"))
    assert len(json.loads(kept.read_text("utf-8"))["en"]) == 60


def spanish(body: str) -> Note:
    return parse_note(f"---\nlang: es\n---\n## Tipos\n\n{body}", "n.md")


def test_english_remark_openers_do_not_reject_a_spanish_definition() -> None:
    """An English answer opening "No …" is a remark; a Spanish one is a definition ("does not …")."""
    answer = "No usa etiquetas: el modelo busca por sí mismo la estructura oculta en los datos."
    note = spanish(f"* **Aprendizaje no supervisado:** {answer}\n")
    [card] = rank(note, candidates(note)).kept
    assert (card.rule, card.claim.question, card.claim.answer) == (
        "definition", "¿Qué significa «Aprendizaje no supervisado»?", answer,
    )  # fmt: skip


def test_english_abbreviations_end_no_sentence_in_english_only() -> None:
    """In English "Mar." is March; in Spanish it is the sea, and a sentence ends there."""
    text = "La ciudad de Valencia está junto al Mar. Tiene el puerto más activo desde 2010."
    assert len(sentence_spans(text, english=True)) == 1
    assert sentence_spans(text, english=False) == [(0, 41), (41, len(text))]
    note = spanish(text.replace("activo", 'activo del "Mediterráneo occidental"') + " [00:01:10]\n")
    [card] = rank(note, candidates(note)).kept
    assert card.claim.question == f'Tiene el puerto más activo del "{BLANK} (2 palabras)" desde 2010.'


def test_english_label_words_judge_english_labels_only() -> None:
    """English notes read "Open Source" as an imperative; in a German note it is a term."""
    assert not is_term("Open Source", ENGLISH)
    assert is_term("Open Source", LANGUAGES["de"])
    assert not is_term("Open Source, Closed Source", LANGUAGES["de"])  # two things named together


def test_which_notes_the_english_word_lists_apply_to() -> None:
    """English notes, and notes whose language cannot be told (too few words: English is assumed);
    not a declared language deckgen has no table for, which is asked in English words."""
    undetermined = parse_note("* **XR-7:** 120 Hz, 4 K, 2024.\n", "n.md")
    assert rule_context(undetermined).lang is ENGLISH and ENGLISH.english
    swahili = rule_context(replace(undetermined, lang="sw")).lang
    assert swahili.what_is_meant == ENGLISH.what_is_meant and not swahili.english
    assert not any(LANGUAGES[code].english for code in ("es", "pt", "de", "fr", "ja", "zh"))
