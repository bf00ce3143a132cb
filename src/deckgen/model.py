"""The data that flows through the pipeline: notes → claims → cards → decks.

Every type is a frozen, slotted dataclass so that stages cannot change what an earlier
stage produced, and so that equal inputs compare equal (the build is deterministic).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["paragraph", "item", "chapter"]
"""A chapter is a video chapter line (`02:46 Code implementation`): a moment, never a card."""
CardKind = Literal["definition", "term", "list", "sentence", "cloze", "basic"]
ClaimKind = CardKind
WRITTEN_KINDS: tuple[CardKind, ...] = ("basic", "cloze")
"""The kinds only hand-written cards have (`rules/explicit.py`): their text is the author's Markdown."""
TextForm = Literal["", "breaks", "strict"]
"""How a card's text is written: '' plain text (a generated card: every character shown as is);
'breaks' Obsidian Markdown, a single newline a line break (Obsidian's default); 'strict' Obsidian
Markdown with `strictLineBreaks` on in the vault's `.obsidian/app.json` (a single newline is a space)."""

BLANK = "\ue000"
"""Marks the blank in a fill-in question (a private-use character no note contains)."""
FORCE = "\ue001"
"""Where a note wrote `%% deckgen: card %%`: the sentence before it is made a card."""
SKIP = "\ue002"
"""Where a note wrote `%% deckgen: skip %%`: its paragraph or item gives no card."""
CLOZE_OPEN, CLOZE_SEP, CLOZE_CLOSE = "\ue001", "\ue002", "\ue003"
"""A cloze card's deletion in its question: OPEN number SEP text [SEP hint] CLOSE (private-use
characters no note contains); `render.py` writes them as Anki's `{{c1::text::hint}}`."""


Progress = Callable[[int, int], None]
"""Called with (done, in all) while a long stage runs."""


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A place in a note file."""

    path: str
    """The note's path as given to the build (relative where possible)."""
    line: int
    """1-based line number."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Problem:
    """A warning or error found while building, reported as `path:line: message`."""

    source: SourceRef
    message: str
    unread: bool = False
    """True when the whole note could not be read (not just a part of it skipped)."""

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A moment in the note's video."""

    seconds: int
    label: str
    """As shown to the learner: `09:17` or `1:02:03`."""
    video: str = ""
    """The YouTube video ID the stamp's link names; '' for the note's own video."""


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph or list item of a note as plain text, with its place in the note."""

    kind: BlockKind
    text: str
    """Plain text: Markdown, HTML and timestamp anchors removed, whitespace folded."""
    stamps: tuple[tuple[int, Timestamp], ...]
    """Timestamps with the offset in `text` where each stood."""
    emphasis: tuple[str, ...]
    """Bold, italic and quoted phrases of the text, in order."""
    links: tuple[str, ...]
    """Targets of the `[[wiki links]]` in the block."""
    headings: tuple[str, ...]
    """Heading path above the block, outermost first."""
    line: int
    term: str = ""
    """For `**Term:** body` items and paragraphs: the term; `text` then holds only the body."""
    lead_in: str = ""
    """For list items: the sentence that introduces the list (or the parent item's term)."""
    list_id: int = -1
    """List items of one list share this number; -1 for paragraphs."""
    list_size: int = 0
    """How many items the list has."""
    list_last: bool = False
    """True for the last item of its list."""
    forced: tuple[int, ...] = ()
    """Sentences (by index) the note forced in with `%% deckgen: card %%`."""


@dataclass(frozen=True, slots=True)
class Image:
    """An image a card shows, as the package carries it."""

    ref: str
    """The embed as the note's text holds it: `img/crumb.png|500` (see `notes/media.py`)."""
    name: str
    """Its bundled file name: a hash of its bytes and its extension (`3f9a….png`)."""
    width: str = ""
    """The size the note asks for, in pixels (`500`), or ''."""
    height: str = ""


ExplicitKind = Literal["basic", "reversed", "cloze"]
Syntax = Literal["sr", "logseq", "anki"]


@dataclass(frozen=True, slots=True)
class Review:
    """Where the learner's reviews in another tool left one card (see `notes/schedule.py`)."""

    due: str
    """The day the card is next due, `YYYY-MM-DD`."""
    interval: int
    """Its interval in days (at least 1)."""
    factor: int
    """Its ease as Anki stores it, in permille (2500 is an ease of 2.5; at least 1300)."""


Schedule = tuple[Review | None, ...]
"""One entry per card of a note, in Anki's order of the note's cards (a cloze's first deletion
first); None for a card never reviewed. Empty when nothing was reviewed."""


@dataclass(frozen=True, slots=True)
class ExplicitCard:
    """One card as its author wrote it; its text is Markdown as written (`notes/cardtext.written`)."""

    kind: ExplicitKind
    syntax: Syntax
    """`sr` cards count only in flashcard notes; `logseq` and `anki` cards count everywhere."""
    question: str
    """For a cloze: the text, each deletion as `CLOZE_OPEN number|mark CLOZE_SEP text
    [CLOZE_SEP hint] CLOZE_CLOSE`; `mark` (`=`, `*`, `{`) is a Spaced Repetition deletion
    not yet numbered (see `resolve_clozes`)."""
    answer: str
    line: int
    """1-based line where the card starts."""
    end: int
    """1-based line where it ends."""
    tags: tuple[str, ...] = ()
    """Tags written at the start of the card's own line (they apply to it alone)."""
    schedule: Schedule = ()
    """The Spaced Repetition plugin's review comment, one entry per card the plugin makes of
    it (a reversed card's forward card first, a cloze's deletions in order)."""


@dataclass(frozen=True, slots=True)
class Separators:
    """What splits a Spaced Repetition card, as the plugin's settings say (these are its defaults)."""

    inline: str = "::"
    inline_reversed: str = ":::"
    multiline: str = "?"
    multiline_reversed: str = "??"
    end: str = "+++"
    """Ends a multi-line card whose answer holds blank lines."""

    def single(self, bare: str) -> tuple[str, int]:
        """A single-line card's separator and where it stands; ('', -1) if none. The longer
        separator is looked for first (`:::` holds `::`)."""
        for sep in sorted((self.inline, self.inline_reversed), key=len, reverse=True):
            if sep and (at := bare.find(sep)) > 0:
                return sep, at
        return "", -1

    def lines(self) -> tuple[str, str]:
        """The separators that stand on a line of their own."""
        return self.multiline, self.multiline_reversed


SEPARATORS = Separators()


@dataclass(frozen=True, slots=True)
class Explicit:
    """A note's hand-written cards and where its tags stand."""

    cards: tuple[ExplicitCard, ...] = ()
    tag_lines: tuple[tuple[int, tuple[str, ...]], ...] = ()
    """Every body line that holds tags, with its tags (`#flashcards/math`), in order."""
    generate: bool | None = None
    """`generate:` from the front matter, or None when the note does not say."""


@dataclass(frozen=True, slots=True)
class Note:
    """One Markdown note, read and parsed."""

    path: str
    title: str
    video_id: str
    """YouTube video ID, or '' when the note has none (its cards then have no links)."""
    source_id: str
    """From the `From: [[id | Name]]` line, or ''."""
    source_name: str
    folder: str
    """The note's folder relative to the input root, '' at the root."""
    tags: tuple[str, ...]
    """Front-matter tags, then the `#tags` of the text, each once (`a/b` nests)."""
    blocks: tuple[Block, ...]
    problems: tuple[Problem, ...] = ()
    digest: str = ""
    """sha256 of the file's bytes: identifies an unchanged note."""
    lang: str = ""
    """The note's language code (`en`, `es`, `ja`…): from front matter, else detected by the rules."""
    explicit: Explicit | None = None
    """The cards its author wrote in another tool's syntax (see `notes/explicit.py`)."""
    media: tuple[tuple[Image, str], ...] = ()
    """Each image its text embeds that was found in the vault, with the file's path."""
    unbundled: tuple[tuple[str, Problem], ...] = ()
    """Each image it embeds that cannot be bundled (by `Image.ref`), and why: a warning only
    when a card shows it (see `notes/media.image_problems`)."""
    embedded: tuple[str, ...] = ()
    """The path of each other note whose text it shows (`![[Note#Heading]]`, see
    `notes/embeds.py`): when one changes, the note is read again."""


@dataclass(frozen=True, slots=True)
class Claim:
    """One fact worth a card, with the context a learner needs to see it."""

    kind: ClaimKind
    key: str
    """What identifies the claim within its note (the term, the list's lead-in, the sentence)."""
    question: str
    """Plain text; the blank of a fill-in question is the character `BLANK`."""
    answer: str
    context: str
    """The whole sentence or bullet the answer comes from."""
    lead: str
    """Text shown above the question: the list's lead-in or the previous sentence."""
    section: tuple[str, ...]
    timestamps: tuple[Timestamp, ...]
    links: tuple[str, ...]
    source: SourceRef
    items: tuple[str, ...] = ()
    """A list claim's items, in the note's order."""
    deck: str = ""
    """The tag that names the card's deck (`#flashcards/biology`), or '' for the note's topic deck."""
    schedule: Schedule = ()
    """A hand-written card's reviews in another tool: push starts a card Anki never had with them."""


@dataclass(frozen=True, slots=True)
class Link:
    """A moment of the note's video, as a card links it."""

    label: str
    """As shown: `09:17`."""
    url: str


@dataclass(frozen=True, slots=True)
class Face:
    """What the learner sees of a card, as plain text: writers render their own HTML or Markdown
    from it, and a change to any field reaches Anki (its hash is the card's content hash)."""

    kind: CardKind
    deck: str
    tags: tuple[str, ...]
    title: str
    """The note's title: the topic line is `title › section`."""
    section: tuple[str, ...]
    lead: str
    """Text shown above the question: the list's lead-in or the sentence before."""
    question: str
    """The blank of a fill-in question is the character `BLANK`."""
    answer: str
    items: tuple[str, ...] = ()
    """A list card's items in order (the answer is one of them, or all of them)."""
    context: str = ""
    """The source sentence or bullet, shown once on the back."""
    highlight: tuple[int, int] = (0, 0)
    """Where the answer stands in `context` (start, end); (0, 0) when it does not."""
    timestamps: tuple[Link, ...] = ()
    """Links to the note's moments; empty when the note has no video."""
    source: str = ""
    """The source's name (the podcast, the course), or ''."""
    media: tuple[Image, ...] = ()
    """The images the card shows (their embeds stand in its text)."""
    note_url: str = ""
    """`obsidian://open…` for the note when the vault's name is set, else ''."""
    markdown: TextForm = ""
    """How `question` and `answer` are written (see `TextForm`): Markdown for hand-written cards."""


@dataclass(frozen=True, slots=True)
class Card:
    """A card ready for the writers: what it shows, and who it is across builds."""

    guid: str
    mtime: int
    """When the card's content last changed (seconds since the epoch)."""
    key: str
    """The claim's key within its note (see `Claim.key`)."""
    face: Face
    note_path: str
    line: int
    """Where the claim stands in its note (1-based); 0 for a retired card."""
    status: str = ""
    """'' for a live card; 'retired' for a card whose claim left the notes."""
    files: tuple[str, ...] = ()
    """The paths of `face.media`'s files, in order: the writers bundle them."""
    schedule: Schedule = ()
    """`Claim.schedule`: not part of what the card shows (a review in Obsidian changes no card)."""

    @property
    def kind(self) -> CardKind:
        """The card's kind (definition, term, list, sentence…)."""
        return self.face.kind

    @property
    def deck(self) -> str:
        """The topic deck the card belongs to."""
        return self.face.deck


@dataclass(frozen=True, slots=True)
class Deck:
    """A topic deck: the cards of one deck name, in reading order."""

    name: str
    cards: tuple[Card, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Candidate:
    """A claim one rule proposes, with what the ranker needs to weigh it."""

    claim: Claim
    rule: str
    """The rule that proposed it (`definition`, `term`, `list`, `sentence`…)."""
    kind: str
    """What kind of answer it asks for: `definition`, `term`, `list`, or the blank's kind
    (`quoted`, `emphasis`, `acronym`, `number`, `name`, `phrase`, `word`)."""
    features: tuple[tuple[str, float], ...] = ()
    """Named features and their weight: the score is their sum (see `rank.py`)."""
    reject: str = ""
    """Why the candidate must never become a card ('' when it may)."""
    unit: str = ""
    """The sentence (or list) it comes from: a note keeps at most one card per unit."""

    @property
    def score(self) -> float:
        """The sum of the feature weights."""
        return round(sum(w for _, w in self.features), 3)


@dataclass(frozen=True, slots=True)
class Change:
    """One line of the plan."""

    action: str
    """added, changed, retired, moved, or ranked_out (kept although it no longer ranks)."""
    deck: str
    question: str
    path: str
    old_deck: str = ""
    line: int = 0
    """The claim's line in its note; 0 when it is no longer there (retired)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What a build changes, per deck, like a migration plan."""

    changes: tuple[Change, ...] = ()
    """Every card that is added, changed, moved or retired."""
    unchanged: int = 0
    """Cards that stay as they were (counted, not listed: usually nearly all of them)."""

    def count(self, action: str) -> int:
        """How many changes of one kind."""
        return self.unchanged if action == "unchanged" else sum(c.action == action for c in self.changes)

    def counts(self) -> dict[str, int]:
        """Counts of every action, in a fixed order."""
        actions = ("added", "changed", "moved", "retired", "ranked_out", "unchanged")
        return {a: self.count(a) for a in actions}
