"""Every weight and threshold the rules and `rank.py` use, each with why it is what it is.

A candidate's score is the sum of its features' weights (`Candidate.features`); one scoring at
least `STRONG` is strong, the rest are weak and share a small budget (`rank.py`). The weights
were set by hand against the judged cards of `../shared/cards/` (`tests/test_rated.py`).
"""

from __future__ import annotations

from ..config import CAP

__all__ = ["CAP"]  # settable in deckgen.yaml, so defined with the settings

# --- Ranking -------------------------------------------------------------------------------

STRONG = 2.0
"""Candidates scoring this or more are strong: a real term, a definitional sentence, a typed blank."""
WORDS_PER_WEAK = 400
"""A note keeps one weak candidate (a fallback blank) per this many words, and at least one: about
one card per 50 words is what a careful learner writes, and weak ones are the first to be bad."""

# --- Feature weights -----------------------------------------------------------------------

WRITTEN = 3.0
"""A card the note's author wrote: as strong as a term (it is kept outside the budget anyway)."""
TERM = 3.0
"""`**Term:**` definitions and term cards: the note-writer chose the term."""
DEFINITIONAL = 2.6
"""A sentence shaped like a definition ("X is a …"): strong, a little under a chosen term."""
LIST_PAIR = 2.4
"""A list of two real terms asked as "name both": a tractable list."""
LIST_ITEM = 1.5
"""One missing item of a longer list: under `STRONG`, so list items rank as weak (they are many
near-identical cards, and the rated sets judged few of them worth a place)."""
BLANK_KINDS = {
    "quoted": 2.6, "emphasis": 2.6, "acronym": 2.6, "number": 2.2, "name": 1.6, "phrase": 1.2, "word": 0.8,
}  # fmt: skip
"""What each kind of blank is worth. The writer marked a quoted or emphasised phrase or an
acronym; a number is a fact with its unit (all strong). A name alone makes a weak card; a closing
phrase or a long word are fallbacks nothing marks (weak)."""
RARE_ANSWER = 0.3
"""A rare word in a fallback blank: more often a technical term than a vague phrase."""
NEEDS_LEAD = -0.3
"""A sentence that needs the one before it shown: harder to read on its own."""
LONG = -0.5
"""A long sentence or meaning: several facts at once."""
SHORT_DEFINITION = -1.0
"""A definition of under `SHORT_WORDS` words: little to learn."""
EVERYDAY_TERM = -1.2
"""One everyday word as a bullet's term ("Creation"): usually the writer's label; enough to take a
term under `STRONG`."""
FORCED_BONUS = 0.0
"""A sentence forced in by `%% deckgen: card %%` is kept whatever its score: the mark adds none."""

# --- Lengths -------------------------------------------------------------------------------

MIN_WORDS = 6
"""Shorter sentences say too little to be worth a card."""
MIN_ITEM_WORDS = 4
"""A list item's sentence may be shorter: its lead-in says the rest."""
MAX_WORDS = 45
"""Longer sentences are several facts at once."""
LONG_SENTENCE = 32
"""Over this many words a sentence's card gets `LONG`."""
MAX_BLANK_WORDS = 5
"""A blank is 1–5 words (DESIGN.md's good blank): longer is a clause to recite."""
MIN_LEFT_WORDS = 4
"""A blank must leave at least this many words shown, or the card is the blank."""
LONG_WORDS_TRIED = 3
"""How many of a sentence's longest words are tried as a last-resort blank."""
MAX_PHRASE_WORDS = 4
"""A closing phrase or a marked phrase blanked is at most this long: longer is a clause."""
UNSPACED_PHRASE = (2, 20)
"""A marked phrase in Chinese or Japanese: this many characters, from a word to a short phrase."""
MIN_MARKED_LETTERS = 5
"""A single marked word shorter than this is rarely a term ("fine", "big")."""
LONG_BLANK_LETTERS = 10
"""A single plain word this long may stand as a fallback blank: long words are mostly technical."""
MAX_TERM_WORDS = 4
"""Longer labels are phrases or headings, not terms."""
MAX_ANSWER_WORDS = 25
"""A definition's answer is its first sentence, cut at a clause boundary to at most this (DESIGN.md:
an answer of at most ~25 words expressing one idea)."""
MIN_CUT_WORDS = 8
"""A definition is cut only after this many words: a shorter piece is rarely a whole thought."""
MAX_MEANING_WORDS = 40
"""A meaning → term card shows the whole first sentence; longer ones are not asked."""
MIN_MEANING_WORDS = 4
"""A meaning with fewer content words left once the term is hidden gives too little to go on."""
MIN_DEFINITION_WORDS = 4
"""A definitional sentence's answer of fewer words says too little."""
MAX_SUBJECT_WORDS = 4
"""A definitional sentence's subject has 1–4 content words: longer is a clause, not a thing."""
SHORT_WORDS = 5
"""A definition under this many words gets `SHORT_DEFINITION`."""
LONG_DEFINITION = 30
"""A definition over this many words gets `LONG`."""
MAX_LEAD_WORDS = 40
"""A card's lead-in is cut to this many words: context, not a second text to read."""
MAX_ITEMS = 5
"""Longer lists are not asked item by item: too many near-identical cards."""
MAX_CANDIDATES = 50
"""A list longer than this (a glossary of thousands of terms) gives one rejected candidate, not
one per item: each item's candidate holds the whole list, so N items made N² of text (a
6,000-term glossary took 1.8 GB). Up to here, `--why` shows each item's reason."""
REACH = 2
"""How many sentences back a pronoun may find its antecedent: further back, which thing is meant
is a guess."""

# --- Word frequency (Zipf scale: 4 is once per 10,000 words, 3 once per 100,000) ----------

COMMON_ZIPF = 4.2
"""Words at least this frequent are everyday words: a label or a blank made of one of them is
rarely worth recalling."""
RARE_ZIPF = 3.0
"""Words under this (of at least `MIN_RARE_LETTERS`, not a number) are rare, likely technical."""
MIN_RARE_LETTERS = 4
"""Shorter words are codes and abbreviations as often as technical terms."""
UNSEGMENTED_ZIPF = 0.0
"""What a Chinese or Japanese word counts as: wordfreq needs MeCab or jieba to look it up, so every
word counts as rare (no word there is taken for an everyday one)."""

# --- Giveaways and attribution --------------------------------------------------------------

FAMILY_PREFIX = 5
"""Two stems of at least `FAMILY_STEM` letters alike in this many first letters are one word family
("scienc", "scientif"): the answer's family on the front gives it away."""
FAMILY_STEM = 6
"""Shorter stems must be equal to count as one family: short prefixes are shared by chance."""
INTRO_BLOCKS = 3
"""A note names who speaks in its first paragraphs, if anywhere: only these are read."""
MARKED_ZIPF = 3.5
"""A single word the writer marked must be under this to count as a term, not a mood ("fine")."""

# --- Duplicates ----------------------------------------------------------------------------

DUPLICATE_SIMILARITY = 0.85
"""Candidates of one note whose word sets overlap more than this are duplicates; the first stays
(DESIGN.md's check 9)."""
WRITTEN_SIMILARITY = 0.6
"""A generated candidate whose words overlap a hand-written card's this much repeats it: the note
says it twice, so it is met more loosely."""
