"""What every rule reads besides the note and the block: the note's language and the settings.

Passed to each rule as an argument (as markdown-it-py passes its state), never ambient: a rule
called without a context does not run in English by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..lang import Language, detect, language
from ..model import Note


@dataclass(frozen=True, slots=True)
class Flashcards:
    """What makes a note's Spaced Repetition syntax cards (from `deckgen.yaml`)."""

    tags: tuple[str, ...] = ("#flashcards",)
    marks: str = "="
    """Delimiters whose text becomes a cloze: `=` (==highlight==), `*` (**bold**), `{` ({{curly}})."""


DEFAULT_FLASHCARDS = Flashcards()


@dataclass(frozen=True, slots=True)
class RuleContext:
    """The inputs of the rules that are not the note: one per note, the same for each block."""

    lang: Language
    """The note's language: the cards ask in it, and the rules use its word data. The rules that
    read English phrasing apply only when it is English (`Language.english`)."""
    flashcards: Flashcards = DEFAULT_FLASHCARDS
    """Which hand-written cards count (`rules/explicit.py`)."""
    timed: bool = False
    """The note's text has moments (chapter lines aside). In a note of a video that has some, a
    sentence without one is the writer's framing; a note that only links its video (`videoId`,
    a body link) is read like one without a video."""


def rule_context(note: Note, flashcards: Flashcards = DEFAULT_FLASHCARDS) -> RuleContext:
    """The context of a note: its language from front matter (`lang`), else detected from its
    text (English when too little text says otherwise: see `lang.detect`)."""
    lang = language(note.lang) if note.lang else detect(b.text for b in note.blocks)
    timed = any(b.stamps for b in note.blocks if b.kind != "chapter")
    return RuleContext(lang, flashcards, timed)
