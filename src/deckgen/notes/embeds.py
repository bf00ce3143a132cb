"""Obsidian's block IDs and embeds of notes: `text ^63d7e2`, `![[Note#^63d7e2]]`, `![[Note#Heading]]`
and `![[Note]]`.

A block ID names a paragraph or list item (at the end of its last line), or a table, quote or list
(on a line of its own after it) for links and embeds. Obsidian never shows it, and neither does
deckgen: `mark` takes it off every line before the note is parsed.

An embed of a note shows the block, section or note it names, as Obsidian does. `mark` puts a
marker where it stands, which both readers (the Markdown walk and the hand-written cards) keep as
text; once they are done, `fill` puts the embedded text there, read from the vault through a
`Lookup`: never from outside it (`../`, an absolute path, a symbolic link out), never round a
cycle, at most `MAX_DEPTH` embeds deep. What cannot be shown stays `[embed: Name]`, with a warning
naming the note and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import NoteError
from ..model import FORCE, SKIP, Block, Explicit, Problem, SourceRef, Timestamp
from ..text import EMBED_PLACEHOLDER
from .cardtext import CODE_SPAN, FENCE, written
from .inline import IMAGE_FILE, placeholder
from .intake import read_text
from .markdown import block_spans, parse_markdown
from .media import candidates, inside

MAX_DEPTH = 4
"""Embeds inside embedded text are followed this many levels deep."""
MAX_CHARS = 200_000
"""The most embedded text one note shows: a few notes embedding each other many times over must
not make a note of gigabytes."""

_OPEN, _CLOSE = "\ue004", "\ue005"
"""Around an embed's number in the text between `mark` and `fill` (taken out of notes first, so a
note cannot write one)."""
_MARKER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_BLOCK_ID = re.compile(r"(?:^|[ \t])\^([A-Za-z0-9-]+)[ \t]*$")
"""A block ID at the end of a line: letters, digits and dashes after `^`, as Obsidian allows."""
_EMBED = re.compile(r"!\[\[([^\[\]|#]*+)((?:#[^\[\]|]*+)?)(?:\|[^\[\]]*+)?\]\]")
_FRONT = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_DRAWING = re.compile(r"\.(?:excalidraw|canvas)$", re.I)
"""A drawing (`Sketch.excalidraw`, kept as `Sketch.excalidraw.md`) or canvas: no text to show."""
_OTHER_FILE = re.compile(r"\.[A-Za-z0-9]{2,5}$")
"""A name that may be another kind of file's (`.pdf`, `.mp3`, `.canvas`): shown as its placeholder,
without a warning, unless a note has that name (`Node.js`)."""
_LINK_CHARS = re.compile(r"[#^:|\[\]\\\s]+")


@dataclass(frozen=True, slots=True)
class Embed:
    """An embed of a note as written: `![[target#part]]` on 1-based `line`."""

    target: str
    part: str
    line: int

    @property
    def written(self) -> str:
        return f"![[{self.target}{'#' if self.part else ''}{self.part}]]"

    @property
    def placeholder(self) -> str:
        return placeholder(self.target or "this note")


Lookup = Callable[[str], Path | str]
"""A note's name as an embed writes it → the file inside the vault, or why it is not read."""


def mark(source: str) -> tuple[str, tuple[Embed, ...]]:
    """`source` without block IDs, each embed of a note replaced by a marker; and the embeds,
    in order (code is left as written)."""
    source = source.replace(_OPEN, "").replace(_CLOSE, "")
    if "^" not in source and "![[" not in source:
        return source, ()
    embeds: list[Embed] = []
    lines = source.split("\n")
    for i, line in _prose_lines(lines):
        if "^" in line:
            line = _BLOCK_ID.sub("", line)
        if "![[" in line:
            line = _marked(line, i + 1, embeds)
        lines[i] = line
    return "\n".join(lines), tuple(embeds)


def _prose_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    """The lines outside the front matter, code fences and `$$` math, with their index."""
    close = ""  # what ends the front matter, fence or math the line is in
    for i, line in enumerate(lines):
        bare = line.strip()
        if close:
            done = (
                bare in ("---", "...")
                if close == "---"
                else bare.startswith(close) and not bare.strip(close[0])
            )
            close = "" if done or (close == "$$" and "$$" in bare) else close
        elif i == 0 and bare == "---":
            close = "---"
        elif m := FENCE.match(line):
            close = m.group(1)
        elif bare.startswith("$$"):
            close = "" if len(bare) > 2 and bare.endswith("$$") else "$$"
        else:
            yield i, line


def _marked(line: str, number: int, embeds: list[Embed]) -> str:
    """The line with each embed of a note (not in inline code) as a marker."""
    out: list[str] = []
    at = 0
    code = [(m.start(), m.end()) for m in CODE_SPAN.finditer(line)] if "`" in line else []
    for m in _EMBED.finditer(line):
        target = m.group(1).strip()
        if any(a <= m.start() < b for a, b in code) or IMAGE_FILE.search(target) or _DRAWING.search(target):
            continue
        out += [line[at : m.start()], f"{_OPEN}{len(embeds)}{_CLOSE}"]
        embeds.append(Embed(target, m.group(2)[1:].strip(), number))
        at = m.end()
    return "".join(out) + line[at:]


def vault_lookup(note_path: Path, vault: Path) -> Lookup:
    """Notes found as Obsidian finds them (next to the note, from the vault's top, by name),
    only inside `vault`."""
    top = vault.resolve()

    def find(target: str) -> Path | str:
        if not target:
            return note_path.resolve()
        written = Path(target if target.lower().endswith(".md") else f"{target}.md")
        if written.is_absolute():
            return (
                f"{target!r} is an absolute path, outside the vault, and is not read — copy it into the vault"
            )
        for candidate in candidates(written, note_path, vault):
            real = candidate.resolve()
            if not inside(real, top):
                return f"{target!r} is outside the vault ({vault}) and is not read — copy it into the vault"
            return real
        return f"no note {target!r} in the vault — check its name"

    return find


@dataclass(slots=True)
class _Filler:
    """The embeds of one note, followed."""

    path: str
    lookup: Lookup
    read: dict[Path, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    chars: int = 0

    def warn(self, top: Embed, embed: Embed, why: str) -> None:
        """Say once (at its first line) why `embed`, written in the note as `top` or inside the
        text `top` shows, is shown as its placeholder."""
        shown = (
            f"is shown as {embed.placeholder}"
            if embed is top
            else f"shows {embed.written} as {embed.placeholder}"
        )
        msg = f"{top.written} {shown}: {why}"
        if all(p.message != msg for p in self.problems):  # once, at its first line in the note
            self.problems.append(Problem(SourceRef(self.path, top.line), msg))

    def text(self, file: Path) -> str | None:
        if file not in self.read:
            try:
                source, _ = read_text(file, file.name)
            except NoteError:
                return None
            self.read[file] = _FRONT.sub("", source.replace("\r\n", "\n"), count=1)
        return self.read[file]

    def expand(self, embed: Embed, top: Embed, seen: tuple[tuple[Path, str], ...]) -> str | None:
        """The Markdown `embed` shows, its own embeds filled in; None (with a warning on `top`,
        the embed the note itself writes) when it cannot be shown."""
        found = self.find(embed, seen)
        if isinstance(found, str):
            if found:
                self.warn(top, embed, found)
            return None
        file, shown = found
        shown, inner = mark(shown)
        self.chars += len(shown)
        if self.chars > MAX_CHARS:
            self.warn(top, embed, f"the note shows more than {MAX_CHARS:,} characters of embedded text")
            return None
        deeper = (*seen, (file, embed.part))
        filled = [self.expand(e, top, deeper) for e in inner]
        return _MARKER.sub(lambda m: filled[int(m.group(1))] or inner[int(m.group(1))].placeholder, shown)

    def find(self, embed: Embed, seen: tuple[tuple[Path, str], ...]) -> tuple[Path, str] | str:
        """The file `embed` names and the Markdown of its part; or why it is not shown ('' for
        nothing to say)."""
        found = self.lookup(embed.target)
        if isinstance(found, str):  # '': another kind of file (`slides.pdf`), shown as before
            return "" if _OTHER_FILE.search(embed.target) else found
        if (found, embed.part) in seen:
            return "it leads back to a note it is shown in (an embed cycle) — it is shown once"
        if len(seen) > MAX_DEPTH:
            return f"embeds are followed {MAX_DEPTH} levels deep, no deeper"
        source = self.text(found)
        if source is None:
            return f"{found.name} cannot be read as a note"
        lines = source.split("\n")
        span = _part(source, lines, embed.part)
        if isinstance(span, str):
            return f"{found.name} {span} — check the link"
        return found, _dedent(lines[span[0] : span[1]])


def _part(source: str, lines: list[str], part: str) -> tuple[int, int] | str:
    """The lines (from, to) of the block (`^id`) or section (`Heading`, `H1#H2`) an embed
    names, the whole note when it names none; or what is missing."""
    if not part:
        return 0, len(lines)
    spans = block_spans(source)
    if part.startswith("^"):
        return _block(spans, lines, part[1:]) or f"has no block ^{part[1:]}"
    start, end, level = 0, len(lines), 0
    for name in filter(None, (p.strip() for p in part.split("#"))):
        found = next(
            (s for s in spans if s[0] == "heading" and start <= s[2] < end and s[1] > level
             and _link_text(s[4]) == _link_text(name)),
            None,
        )  # fmt: skip
        if found is None:
            return f"has no heading {name!r}"
        level = found[1]
        start = found[3]
        end = next((s[2] for s in spans if s[0] == "heading" and s[2] >= start and s[1] <= level), end)
    return start, end


Span = tuple[str, int, int, int, str]
"""A block as `markdown.block_spans` gives it."""


def _block(spans: list[Span], lines: list[str], block: str) -> tuple[int, int] | None:
    """The lines of the block with ID `block`: the paragraph or list item whose line ends with
    it, or the block before a line holding only it."""
    at = next((i for i, ln in enumerate(lines) if (m := _BLOCK_ID.search(ln)) and m.group(1) == block), -1)
    if at < 0:
        return None
    covering = [s for s in spans if s[2] <= at < s[3] and s[0] in ("paragraph", "list_item", "heading")]
    alone = lines[at].strip() == f"^{block}"
    if alone and all(s[2] == at for s in covering if s[0] == "paragraph"):
        before = [s for s in spans if s[1] == 0 and s[3] <= at and s[0] != "heading"]
        return (before[-1][2], before[-1][3]) if before else None
    items = [s for s in covering if s[0] == "list_item"]
    chosen = max(items or covering, key=lambda s: s[1], default=None)
    return (chosen[2], chosen[3]) if chosen else None


def _link_text(heading: str) -> str:
    """A heading as links name it: Obsidian writes the characters links cannot hold as spaces."""
    return _LINK_CHARS.sub(" ", heading).strip().casefold()


def _dedent(lines: list[str]) -> str:
    """Lines without the indentation they share (an embedded nested list item)."""
    indent = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    return "\n".join(ln[indent:] for ln in lines)


def fill(
    blocks: tuple[Block, ...], explicit: Explicit | None, embeds: tuple[Embed, ...], path: str,
    lookup: Lookup | None,
) -> tuple[tuple[Block, ...], Explicit | None, list[Problem], tuple[str, ...]]:  # fmt: skip
    """The blocks and hand-written cards with each embed's text where `mark` left its marker
    (`[embed: Name]` when there is no `lookup` or the text cannot be shown); the warnings, and
    the notes read."""
    if not embeds:
        return blocks, explicit, [], ()
    filler = _Filler(path, lookup) if lookup else None
    own = lookup("") if lookup else ""
    seen = ((own, ""),) if isinstance(own, Path) else ()
    shown = [filler.expand(e, e, seen) if filler else None for e in embeds]
    flat = [(md and _flat(md)) or e.placeholder for md, e in zip(shown, embeds, strict=True)]
    lined = [written(md) if md is not None else e.placeholder for md, e in zip(shown, embeds, strict=True)]
    new_blocks = _blocks(blocks, flat, shown)
    if explicit is not None and any(_OPEN in c.question + c.answer for c in explicit.cards):
        cards = tuple(
            replace(c, question=_put(c.question, lined), answer=_put(c.answer, lined)) for c in explicit.cards
        )
        explicit = replace(explicit, cards=cards)
    files = tuple(sorted(str(f) for f in filler.read)) if filler else ()
    return new_blocks, explicit, filler.problems if filler else [], files


def _flat(markdown: str) -> str:
    """Embedded Markdown as one block's plain text (its paragraphs and items in a row)."""
    return " ".join(b.text for b in _read(markdown) if b.text)


def _read(markdown: str) -> tuple[Block, ...]:
    """Embedded Markdown's blocks; its `%% deckgen %%` comments steer only its own note."""
    blocks = parse_markdown(markdown, "").blocks
    return tuple(replace(b, text=b.text.replace(SKIP, "").replace(FORCE, "")) for b in blocks)


def _put(text: str, shown: list[str]) -> str:
    return _MARKER.sub(lambda m: shown[int(m.group(1))], text) if _OPEN in text else text


def _blocks(blocks: tuple[Block, ...], flat: list[str], shown: list[str | None]) -> tuple[Block, ...]:
    """Each block with the embedded text in place: a paragraph that is only an embed becomes the
    embedded paragraphs and items (under its headings, at its line, without the other note's
    timestamps); elsewhere the text stands in a row. A block left with only placeholders is
    dropped, as the reader drops an image alone, and its list counted again."""
    out: list[Block] = []
    lists = max((b.list_id for b in blocks), default=-1) + 1  # the next free list number
    for b in blocks:
        if _OPEN not in b.text + b.lead_in + b.term + "".join(b.headings):
            out.append(b)
            continue
        alone = _MARKER.fullmatch(b.text.strip())
        markdown = shown[int(alone.group(1))] if alone and b.kind == "paragraph" and not b.term else None
        if markdown and (inner := _read(markdown)):
            ids = {n: lists + k for k, n in enumerate(sorted({i.list_id for i in inner} - {-1}))}
            lists += len(ids)
            out += [replace(i, stamps=(), headings=(*b.headings, *i.headings), line=b.line,
                            list_id=ids.get(i.list_id, -1)) for i in inner]  # fmt: skip
            continue
        text, stamps = _put_stamped(b.text, b.stamps, flat)
        b = replace(b, text=text, stamps=stamps, lead_in=_put(b.lead_in, flat), term=_put(b.term, flat),
                    headings=tuple(_put(h, flat) for h in b.headings))  # fmt: skip
        if b.term or EMBED_PLACEHOLDER.sub("", b.text).strip():
            out.append(b)
    return _recount(out)


Stamps = tuple[tuple[int, Timestamp], ...]


def _put_stamped(text: str, stamps: Stamps, shown: list[str]) -> tuple[str, Stamps]:
    """`_put`, with each timestamp's offset moved by the text put before it."""
    pieces: list[str] = []
    at, moved = 0, list[tuple[int, int]]()
    for m in _MARKER.finditer(text):
        pieces += [text[at : m.start()], shown[int(m.group(1))]]
        moved.append((m.end(), len(shown[int(m.group(1))]) - (m.end() - m.start())))
        at = m.end()
    pieces.append(text[at:])
    new = tuple((o + sum(d for end, d in moved if end <= o), t) for o, t in stamps)
    return "".join(pieces), new


def _recount(blocks: list[Block]) -> tuple[Block, ...]:
    """List sizes and last items again, after an item was dropped."""
    sizes: dict[int, int] = {}
    for b in blocks:
        if b.list_id >= 0:
            sizes[b.list_id] = sizes.get(b.list_id, 0) + 1
    seen: dict[int, int] = {}
    out = []
    for b in blocks:
        if b.list_id >= 0:
            seen[b.list_id] = seen.get(b.list_id, 0) + 1
            b = replace(b, list_size=sizes[b.list_id], list_last=seen[b.list_id] == sizes[b.list_id])
        out.append(b)
    return tuple(out)
