"""The rules on readable fixtures (note snippet → every candidate and its fate) and on the
reference note; each failure mode of the rated cards has its cases here."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import unicodedata
from contextvars import ContextVar
from pathlib import Path

import pytest

from conftest import REFERENCE, TESTS, golden
from deckgen import rank as rank_module
from deckgen import rules
from deckgen.config import Config
from deckgen.lang import ENGLISH, LANGUAGES
from deckgen.model import BLANK, Candidate
from deckgen.notes import parse_note, read_note
from deckgen.rank import rank
from deckgen.rules import RULES, RuleContext, candidates
from deckgen.rules import weights as w
from deckgen.rules.common import NARRATIVE
from deckgen.rules.definition import definition_rule, is_term, mask, short_answer
from deckgen.rules.sentence import choose_blank, hint
from deckgen.rules.sentences import antecedent, inner_referent, needs_referent
from deckgen.rules.stems import gives_away

FIXTURES = sorted((TESTS / "fixtures" / "rules").glob("*.md"))


def as_dict(c: Candidate, why: str) -> dict[str, object]:
    return {
        "rule": c.rule, "kind": c.kind, "line": c.claim.source.line, "score": c.score,
        "fate": why or "kept", "lead": c.claim.lead,
        "question": c.claim.question.replace(BLANK, "_____"), "answer": c.claim.answer,
        "timestamps": [t.label for t in c.claim.timestamps],
    }  # fmt: skip


def fates(path: Path, mode: str = "focused") -> list[dict[str, object]]:
    note = read_note(path, path.name)
    found = candidates(note)
    ranking = rank(note, found, mode)  # type: ignore[arg-type]
    why = {id(c): reason for c, reason in ranking.dropped}
    return [as_dict(c, why.get(id(c), "")) for c in found]


@pytest.mark.parametrize("note", FIXTURES, ids=lambda p: p.stem)
def test_fixture(note: Path) -> None:
    """Each fixture note gives exactly the candidates, scores and fates in its .json twin."""
    golden(note.with_suffix(".json"), fates(note))


def kept(text: str) -> list[Candidate]:
    note = parse_note(text, "n.md")
    return list(rank(note, candidates(note)).kept)


NOTE = "---\ntitle: Models\nvideoId: Wo95ob_s_NI\n---\n\n## Limits\n\n"
STAMP = ' <a class="yt-timestamp" data-t="00:09:17">[00:09:17]</a>'


@pytest.mark.parametrize(
    "label",
    ["Note", "Example", "Syntax", "Project", "Question", "For local assets", "Take care",
     "Deep Thinking and Attention", "Error Recovery and Edge Cases", "Taste and Ambiguity",
     "Code to Language Reasoning", "Characteristics", "How it works", "Week 2"],
)  # fmt: skip
def test_structural_labels_are_not_terms(label: str) -> None:
    assert not is_term(label, ENGLISH)
    note = parse_note(
        f"{NOTE}* **{label}:** Models plan several steps ahead before they act{STAMP}.\n", "n.md"
    )
    assert [(c.rule, c.reject) for c in candidates(note)] == [("definition", "label, not a term")]


def test_a_real_term_in_the_same_bullet_is_asked() -> None:
    [card] = kept(f"{NOTE}* **Gradient Descent:** An optimisation method that follows the slope of the "
                  f"loss downhill{STAMP}.\n")  # fmt: skip
    assert (card.rule, card.claim.question, card.claim.answer) == (
        "definition", "What is meant by “Gradient Descent”?",
        "An optimisation method that follows the slope of the loss downhill.",
    )  # fmt: skip


@pytest.mark.parametrize(
    "term", ["conditional statement", "HTTP", "SSH", "floating-point number", "Long-term Coherence", "Yoga"]
)
def test_real_terms_are_terms(term: str) -> None:
    assert is_term(term, ENGLISH)


def test_a_self_describing_term_is_only_asked_the_other_way() -> None:
    cards = kept(f"{NOTE}Limits include:\n\n* **Long-term Coherence:** A model's failure to keep coherence "
                 f"over extended interactions such as a multi-file coding project{STAMP}.\n")  # fmt: skip
    assert [c.rule for c in cards] == ["term"]
    assert (
        cards[0].claim.answer == "Long-term Coherence" and "coherence" not in cards[0].claim.question.lower()
    )


def test_a_definition_whose_answer_is_a_remark_is_rejected() -> None:
    # "Competition" would be rejected as a label before its answer is read: a real term is needed
    text = f"{NOTE}* **Night Mode:** While the phone excels at snapshots, rivals win in edge cases{STAMP}.\n"
    found = candidates(parse_note(text, "n.md"))
    assert [(c.rule, c.reject) for c in found] == [
        ("definition", "the answer is a remark, not what the term means")
    ]


@pytest.mark.parametrize(
    ("answer", "front", "given"),
    [
        ("test time", "gaining from practice at training time", True),  # head word on the front
        ("longer-duration tasks", "Training on More Complex and Longer Tasks", True),
        ("medium-term memory", "Introspection, Active Learning, and Mid-Term Memory", True),
        ("science", "Scientific Research", True),  # one word family
        ("per token basis", "Current AI models demonstrate impressive abilities", False),
        ("Reinforcement Learning (RL)", "This training can be done through methods like", False),
    ],
)
def test_giveaways_by_stem_and_head_word(answer: str, front: str, given: bool) -> None:
    assert gives_away(answer, front, ENGLISH) is given


@pytest.mark.parametrize(
    ("sentence", "answer", "kind"),
    [
        ('Models show ability on a "per token basis," like experts.', "per token basis", "quoted"),
        ("Training uses Reinforcement Learning (RL) at scale.", "Reinforcement Learning (RL)", "acronym"),
        ("Superconductivity was first discovered in 1911 with mercury.", "1911", "number"),
        ("A small amount of data (about 30 examples) generalised well.", "about 30 examples", "number"),
        ("The object chased the warhead at 6,000-8,000 mph over the sea.", "6,000-8,000 mph", "number"),
        ("The idea came from Eleanor Roosevelt at a dinner party.", "Eleanor Roosevelt", "name"),
        ("Current systems largely acquire skills through transient in-context learning.",
         "transient in-context learning", "phrase"),
    ],
)  # fmt: skip
def test_choose_blank(sentence: str, answer: str, kind: str) -> None:
    found = choose_blank(sentence, ENGLISH)
    assert found is not None
    a, b, got = found
    assert (sentence[a:b], got) == (answer, kind)


@pytest.mark.parametrize(
    ("sentence", "chosen"),
    [
        ("Training models for long-horizon tasks using RL is seen as a key step.",  # generic head
         ("long-horizon", "word")),  # not "key step"
        ("The ability to act is a primary unlock expected from this training regime.", None),  # after "this"
        ("It might emerge from calibration regarding their own knowledge and limitations.",  # a pair
         ("calibration", "word")),  # not "limitations"
        ("Stainless steel is preferred, as stainless is slightly better.", None),  # a judgement
        ("The derivative of the cube, dF/dx, is 3x2 in the end.", None),  # a formula: not "3"
        ('Past models were criticised, though users deemed the screen "fine".', None),  # a mood
        ("On the whole it was a huge event that drew crowds of people.", None),  # nothing worth a blank
    ],
)  # fmt: skip
def test_vague_blanks_are_not_made(sentence: str, chosen: tuple[str, str] | None) -> None:
    found = choose_blank(sentence, ENGLISH)
    assert (found and (sentence[found[0] : found[1]], found[2])) == chosen


def test_hints_fix_the_answers_shape() -> None:
    shapes = [("acronym", "RL"), ("number", "1911"), ("number", "30 %"), ("phrase", "test time")]
    assert [hint(kind, answer, ENGLISH) for kind, answer in shapes] == ["term", "year", "number", "2 words"]


def test_short_answer_cuts_only_at_a_clause() -> None:
    long = ("While smart on a per-token level, models struggle to maintain coherence over extended "
            "interactions or complex tasks, such as writing a multi-file coding project aligned with "
            "broader goals and many other long things that go on and on.")  # fmt: skip
    cut = short_answer(long, ENGLISH)
    assert cut.endswith("complex tasks.") and len(cut.split()) <= 25 and "…" not in cut
    assert short_answer(" ".join(["word"] * 40) + ".", ENGLISH) == ""  # no clause to cut at: no definition


def test_mask_counts_the_places_it_hides() -> None:
    assert mask("Models struggle to maintain coherence over long tasks.", "Long-term Coherence", ENGLISH) == (
        "Models struggle to maintain … over … tasks.", 2,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "opening", "inner"),
    [
        ("This training can be done through RL.", True, False),
        ("After this phase, it becomes a white dwarf.", True, True),
        ("Created by a former teacher, it gained 4 million users.", False, True),
        ("However, it's not anticipated that this alone will solve all deficits.", False, True),
        ("A key feature aims to automate this process for developers.", False, True),
        ("Reasoning, in this context, can be defined as computation at test time.", False, False),
        ("Pre-training endows these models with broad knowledge.", False, False),
    ],
)
def test_referents(sentence: str, opening: bool, inner: bool) -> None:
    assert needs_referent(sentence, ENGLISH) is opening and inner_referent(sentence, ENGLISH) is inner


def test_a_pointer_finds_its_antecedent_at_most_two_sentences_back() -> None:
    sents = [
        "Models train on long tasks.",
        "This could involve coding.",
        "This training uses RL.",
        "It helps.",
    ]
    assert antecedent(sents, 2, ENGLISH) == "Models train on long tasks."
    assert antecedent(sents, 3, ENGLISH) == ""


def test_about_the_recording_and_list_intros_are_not_cards() -> None:
    text = (f"{NOTE}In this episode the host jokes about his weekend plans with the guest{STAMP}. "
            f"Three approaches to scaling stand out from the research:{STAMP}\n")  # fmt: skip
    assert [(c.rule, c.reject) for c in candidates(parse_note(text, "n.md"))] == [
        ("sentence", "it is about the recording, not the subject"),
        ("sentence", "it only introduces a list"),
    ]


def test_forecasts_name_who_holds_them() -> None:
    text = (f"{NOTE[:-13]}\nFrom: [[dwarkesh | The Dwarkesh Podcast]]\n\nA talk based on insights from "
            f"John Schulman.\n\n## Limits\n\nFuture models will manage entire coding projects in about "
            f"5 years{STAMP}.\n")  # fmt: skip
    [card] = kept(text)
    assert card.claim.question.startswith("According to John Schulman, future models will manage")


def test_reference_note_keeps_a_focused_deck_with_its_real_terms() -> None:
    note = read_note(REFERENCE)
    ranking = rank(note, candidates(note))
    assert 8 <= len(ranking.kept) <= 12
    questions = " ".join(c.claim.question for c in ranking.kept)
    assert "Cross-Lingual Generalization" in questions and "Multimodal Generalization" in questions
    assert any(c.claim.answer == "Training-Time Learning · Inference-Time Computation" for c in ranking.kept)
    assert len({c.unit for c in ranking.kept}) == len(ranking.kept)  # one card per sentence


def test_all_keeps_every_candidate_that_is_not_rejected_and_focused_is_a_subset() -> None:
    note = read_note(REFERENCE)
    found = candidates(note)
    focused, every = rank(note, found), rank(note, found, "all")
    assert {id(c) for c in focused.kept} <= {id(c) for c in every.kept}
    assert not any(c.reject for c in every.kept)
    assert len(rank(note, found, cap=3).kept) == 3


def test_two_cards_with_one_answer_are_not_both_kept() -> None:
    """Cards that share an answer interfere (Wozniak's rule 11): the better one is kept, the other
    is ranked out (a spare, so a learner who has it keeps it)."""
    text = (f"{NOTE}The housing bubble burst in 2008 after years of risky mortgage lending{STAMP}.\n\n"
            f"Central banks cut their interest rates close to zero in 2008 to stop a depression{STAMP}.\n\n"
            f"Quantitative easing then grew central banks' balance sheets fivefold{STAMP}.\n")  # fmt: skip
    note = parse_note(text, "n.md")
    found = candidates(note)
    assert [c.claim.answer for c in rank(note, found, "all").kept].count("2008") == 2  # `all` keeps both
    ranking = rank(note, found)
    assert [c.claim.answer for c in ranking.kept].count("2008") == 1
    [(twin, why)] = [(c, why) for c, why in ranking.dropped if why.endswith("has the same answer")]
    assert twin.claim.answer == "2008" and twin in ranking.spare and why.startswith("ranked out:")


def test_ranking_is_deterministic() -> None:
    note = read_note(REFERENCE)
    assert rank(note, candidates(note)) == rank(note, candidates(read_note(REFERENCE)))


def test_config_sets_the_mode_and_cap() -> None:
    assert Config(cards="all", cap=4).cap == 4


def test_words_keep_their_combining_marks() -> None:
    """Devanagari vowel signs are combining marks that `\\w` leaves out: a mask split "हैं"."""
    note = read_note(TESTS / "hostile" / "unicode_scripts.md")
    for c in candidates(note):
        q = c.claim.question
        orphans = [
            i for i, ch in enumerate(q) if unicodedata.category(ch).startswith("M") and q[i - 1] in " …"
        ]
        assert not orphans, q


def test_talk_about_the_recording_is_matched_by_whole_words() -> None:
    assert NARRATIVE.search("the host laughs") and not NARRATIVE.search("next to the hostile notes")


def test_a_course_note_without_timestamps_still_teaches() -> None:
    """A few hundred words of revision notes, no stamps: definitions, Term: lines, marked phrases."""
    note = read_note(TESTS / "fixtures" / "course" / "cell_biology.md")
    ranking = rank(note, candidates(note))
    assert len(ranking.kept) >= 5
    assert {c.rule for c in ranking.kept} >= {"definition", "definitional", "sentence"}
    assert not any(c.claim.timestamps for c in ranking.kept)
    assert note.title == "cell biology"  # the file's name: its opening # H1 is a section


@pytest.mark.parametrize(
    ("sentence", "chosen"),
    [
        ("The attack could motivate groups such as Chechens, Dagestanis, Tatars and Bashkirs to act.", None),
        ("The dashboard shows three views: salesperson performance, channel performance and location data.",
         ("salesperson", "word")),  # the first item, not an inner one ("channel performance")
    ],
)  # fmt: skip
def test_an_inner_item_of_a_list_is_not_a_blank(sentence: str, chosen: tuple[str, str] | None) -> None:
    found = choose_blank(sentence, ENGLISH)
    assert (found and (sentence[found[0] : found[1]], found[2])) == chosen


def test_a_label_before_a_sentence_becomes_its_lead_and_a_figure_is_no_definition() -> None:
    text = (f"{NOTE}Motivation for Ethnic Groups: The incident could motivate ethnic groups across "
            f"the federation in 2024{STAMP}.\n\n"
            f"* **B-Top 50 Index:** +0.63% (YTD: +15.25%){STAMP}.\n")  # fmt: skip
    note = parse_note(text, "n.md")
    ranking = rank(note, candidates(note))
    [card] = ranking.kept
    assert (card.rule, card.claim.lead, card.claim.answer) == (
        "sentence",
        "Motivation for Ethnic Groups",
        "2024",
    )
    assert [(c.rule, c.reject) for c, _ in ranking.dropped] == [
        ("definition", "the answer is a figure, not what the term means")
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Related thread: https://discuss.example.org/t/outdent/978",
        "Hide: collapsed",
        "Updated at: 1609247365218 id:: 634f",
    ],
)
def test_a_plain_field_line_is_not_a_definition(line: str) -> None:
    assert candidates(parse_note(f"{NOTE}{line}\n", "n.md")) == ()


def test_a_plain_term_line_is_a_definition() -> None:
    [card] = kept(
        f"{NOTE}Gradient descent: An optimisation method that follows the slope of the loss downhill.\n"
    )
    assert (card.rule, card.claim.question, card.claim.answer) == (
        "definition", "What is meant by “Gradient descent”?",
        "An optimisation method that follows the slope of the loss downhill.",
    )  # fmt: skip


def test_every_rule_takes_the_note_the_block_and_the_context() -> None:
    assert [list(inspect.signature(rule).parameters) for rule in RULES] == [["note", "block", "ctx"]] * 4


def test_a_rule_asks_in_the_language_of_the_context_it_is_given() -> None:
    note = parse_note("* **Recompensa:** La señal que el agente recibe del entorno [00:01:10].\n", "x.md")
    [block] = note.blocks
    asked = {
        code: definition_rule(note, block, RuleContext(LANGUAGES[code]))[0].claim.question
        for code in ("en", "pt")
    }
    assert asked == {"en": "What is meant by “Recompensa”?", "pt": "O que significa “Recompensa”?"}


def test_no_rule_reads_its_inputs_from_ambient_state() -> None:
    """The note's language once travelled in a ContextVar that silently defaulted to English."""
    names = [f"deckgen.rules.{m.name}" for m in pkgutil.iter_modules(rules.__path__)]
    ambient = [
        n for n in names for v in vars(importlib.import_module(n)).values() if isinstance(v, ContextVar)
    ]
    assert len(names) >= 10 and ambient == []


def test_every_weight_and_threshold_is_named_in_one_module() -> None:
    """No rule module and no rank.py holds a bare fractional number: they live in rules/weights.py."""
    folder = Path(rules.__file__).parent
    files = [p for p in folder.glob("*.py") if p.name != "weights.py"] + [folder.parent / "rank.py"]
    bare = [
        (p.name, node.lineno)
        for p in files
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, float)
    ]
    assert len(files) >= 10 and bare == []


def test_rank_docstring_gives_the_weights_the_code_uses() -> None:
    doc = rank_module.__doc__ or ""
    rows = {label: [float(x.replace("−", "-")) for x in re.findall(r"[−+-]?\d+\.\d+", weights)]
            for label, weights in re.findall(r"^\| (.+?) \| (.+?) \|$", doc, re.M)[1:]}  # fmt: skip
    assert rows == {
        "definition / term of a term": [w.TERM],
        'definitional sentence ("X is a …")': [w.DEFINITIONAL],
        "quoted, emphasis or acronym blank": [w.BLANK_KINDS["quoted"]],
        'two real terms ("name both")': [w.LIST_PAIR],
        "number blank": [w.BLANK_KINDS["number"]],
        "name blank": [w.BLANK_KINDS["name"]],
        "one missing item of a longer list": [w.LIST_ITEM],
        "closing phrase / long word blank": [w.BLANK_KINDS["phrase"], w.BLANK_KINDS["word"]],
        "a rare word in a fallback answer": [w.RARE_ANSWER],
        "needs the sentence before it": [w.NEEDS_LEAD],
        "long sentence or meaning": [w.LONG],
        "short definition": [w.SHORT_DEFINITION],
        "one everyday word as a bullet's term": [w.EVERYDAY_TERM],
    }
    assert w.BLANK_KINDS["quoted"] == w.BLANK_KINDS["emphasis"] == w.BLANK_KINDS["acronym"]
    assert f"list items ({w.LIST_ITEM})" in doc and w.LIST_ITEM < w.STRONG  # they rank as weak


def test_list_items_rank_as_weak() -> None:
    note = read_note(TESTS / "fixtures" / "rules" / "long_list.md")
    items = [c for c in candidates(note) if c.rule == "list" and len(c.claim.items) > 2]
    assert items and all(c.score == w.LIST_ITEM < w.STRONG for c in items)
