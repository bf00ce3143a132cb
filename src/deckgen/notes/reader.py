"""One note → a `Note`: the file's text (`intake.py`), its Markdown (a `Parser`), its front matter.

Notes are read as people write them, mistakes included: what can be read is read, the rest becomes
a warning that says what to do. Only a file that is not a Markdown note at all, or whose front
matter is broken, is refused with a `NoteError`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import NoteError
from ..model import BLANK, FORCE, SEPARATORS, SKIP, Block, Note, Problem, Separators, SourceRef
from ..shown import printable
from ..text import slug, visible
from .chapters import chapters
from .embeds import Lookup, fill, mark, vault_lookup
from .explicit import read_explicit
from .frontmatter import as_tags, front_matter, key_line, meta_text
from .intake import read_text
from .markdown import parse_markdown
from .media import find_media, find_vault, inside
from .parser import Parser
from .stamps import minutes_not_hours
from .youtube import VIDEO_ID, linked_videos, youtube_id

_LINK_KEYS = ("media_link", "url", "source")
"""Front-matter keys that may hold the note's video as a YouTube URL (Media Notes writes `media_link`)."""


def parse_note(
    source: str, path: str, folder: str = "", digest: str = "", *, parser: Parser = parse_markdown,
    separators: Separators = SEPARATORS, lookup: Lookup | None = None, where: Path | None = None,
) -> Note:  # fmt: skip
    """Parse Markdown `source`; `path` is only used to name the note in messages and cards;
    `separators` split Spaced Repetition cards (the plugin's settings may change them);
    `lookup` finds the notes it embeds (without one, an embed stays `[embed: Name]`); `where`
    is the file itself, when read from disk (an `index.md` at the top takes its folder's name)."""
    name, path = path, printable(path)
    source = visible(source).replace(BLANK, "").replace(FORCE, "").replace(SKIP, "")
    source, embeds = mark(source)  # block IDs are never shown; embeds are filled in below
    parsed = parser(source, path)
    meta = front_matter(parsed.front_matter, path)
    problems = [*_empty(source, path), *parsed.problems]
    # The title and source name stay as written (the deck is named after them); cards.py
    # escapes them like all other text.
    title = meta_text(meta, "title", path, problems) or file_title(Path(name), where)
    video_id = _video(meta, path, problems) or _body_video(source, parsed.blocks, path, problems)
    lang = _lang(meta, parsed.front_matter, path, problems)
    blocks = _own_video(chapters(_untitled(parsed.blocks, title)), video_id)
    if rescaled := minutes_not_hours(blocks):
        blocks = rescaled
        problems.append(
            Problem(
                SourceRef(path, 1),
                "every H:MM:SS timestamp ends in :00 and as hours they would run past 2 hours: "
                "read as MM:SS:00 (minutes and seconds) — write them as MM:SS if that is wrong",
            )
        )
    tags = tuple(dict.fromkeys((*as_tags(meta.get("tags")), *parsed.tags)))
    skip = str(meta.get("deckgen", "")).strip().lower() == "skip"  # the whole note opts out
    explicit = None if skip else read_explicit(source, meta, separators)
    blocks, explicit, shown, embedded = fill(blocks, explicit, embeds, path, lookup)
    problems += shown
    if skip:
        blocks = tuple(replace(b, text=f"{b.text}{SKIP}") for b in blocks)
    return Note(
        path=path, title=title, video_id=video_id, source_id=parsed.source_id,
        source_name=parsed.source_name, folder=folder, tags=tags,
        blocks=blocks, problems=tuple(problems), digest=digest,
        lang=lang, explicit=explicit, embedded=embedded,
    )  # fmt: skip


_LANG_CODE = re.compile(r"([a-z]{2,3})(?:-[a-z0-9]{1,8})*")
"""A language tag as BCP 47 writes it (`en`, `pt-br`, `zh-hant-tw`), lower case."""


_FOLDER_NOTES = ("index", "readme")
"""Notes that stand for their folder: they take its name, as publishing tools and GitHub show them."""


def file_title(name: Path, where: Path | None = None) -> str:
    """The title Obsidian shows: the file name without its extension (`_` read as a space); an
    `index.md` or `README.md` takes its folder's name."""
    stem = name.stem
    if stem.lower() in _FOLDER_NOTES:
        stem = name.parent.name or (where.absolute().parent.name if where is not None else "") or stem
    return visible(stem).replace("_", " ")


def _untitled(blocks: tuple[Block, ...], title: str) -> tuple[Block, ...]:
    """The blocks without headings that repeat the title (`# Title` opening `Title.md`): the
    card's topic line starts with the title and must not show it twice."""
    key = slug(title)
    if not key or not any(slug(h) == key for b in blocks for h in b.headings):
        return blocks
    return tuple(replace(b, headings=tuple(h for h in b.headings if slug(h) != key)) for b in blocks)


def _lang(meta: dict[str, Any], front: str, path: str, problems: list[Problem]) -> str:
    """Front matter `lang` (or `language`) when it is a language code deckgen's word data knows;
    '' otherwise (the language is then detected from the text), with a warning."""
    key = "lang" if meta.get("lang") is not None else "language"
    code = meta_text(meta, key, path, problems)
    found = _LANG_CODE.fullmatch(code.lower().replace("_", "-"))
    if not code or (found and found.group(1) in _known_languages()):
        return code
    problems.append(
        Problem(
            SourceRef(path, key_line(front, key)),
            f"`{key}: {code[:40]}` is not a language code deckgen knows — the language is detected from "
            "the text instead; write a code like `en`, `es` or `pt-BR`, or remove the line",
        )
    )
    return ""


@functools.cache
def _known_languages() -> frozenset[str]:
    """The languages wordfreq has word lists for: the rules look a note's words up in them."""
    from wordfreq import available_languages  # imported when first needed (~0.15 s)

    return frozenset(available_languages(wordlist="small"))


def _video(meta: dict[str, Any], path: str, problems: list[Problem]) -> str:
    """The note's YouTube video: `videoId`/`video_id` (an ID or a URL), else a YouTube URL in
    `media_link`, `url` or `source`; '' when none."""
    key = "videoId" if meta.get("videoId") is not None else "video_id"
    video_id = meta_text(meta, key, path, problems)
    video_id = youtube_id(video_id) or video_id
    if video_id and not VIDEO_ID.fullmatch(video_id):
        problems.append(
            Problem(
                SourceRef(path, 1),
                f"videoId {video_id[:40]!r} is not a YouTube "
                "video ID (11 letters, digits, - or _) — cards get no links",
            )
        )
        video_id = ""
    for key in _LINK_KEYS if not video_id else ():
        value = meta.get(key)
        if isinstance(value, str) and (found := youtube_id(value)):
            return found
    return video_id


def _body_video(source: str, blocks: tuple[Block, ...], path: str, problems: list[Problem]) -> str:
    """The one video the note links to (`> **Video:** [title](https://youtu.be/ID)`), for a note
    whose front matter names none; '' when it links to none, or to several, its moments' links
    included (a warning when plain `[mm:ss]` stamps then link nowhere)."""
    videos = linked_videos(source)
    named = set(videos) | {t.video for b in blocks for _, t in b.stamps if t.video}
    if len(named) == 1 and videos:
        return videos[0]
    if videos and (own := next((b for b in blocks for _, t in b.stamps if not t.video), None)):
        problems.append(
            Problem(
                SourceRef(path, own.line),
                f"the note links {len(named)} YouTube videos, so its plain timestamps link to none — "
                f"say which one they are in with `videoId: {videos[0]}` in the front matter",
            )
        )
    return ""


def _own_video(blocks: tuple[Block, ...], video_id: str) -> tuple[Block, ...]:
    """Stamps whose link names the note's own video say so with '' (one way to say it)."""
    if not video_id or not any(t.video == video_id for b in blocks for _, t in b.stamps):
        return blocks
    return tuple(
        replace(b, stamps=tuple((o, replace(t, video="") if t.video == video_id else t) for o, t in b.stamps))
        for b in blocks
    )


def _empty(source: str, path: str) -> list[Problem]:
    if source.strip():
        return []
    return [Problem(SourceRef(path, 1), "the note is empty — write your notes in it, or delete it")]


def read_note(
    path: Path,
    display: str | None = None,
    folder: str = "",
    separators: Separators = SEPARATORS,
    downloads: Path | None = None,
) -> Note:
    """Read and parse one note file, and find the images it embeds (`display` is its path
    under the folder it was found in; remote images are downloaded into `downloads` when it is
    given). Raises `NoteError` when it cannot be read as text."""
    name = display or str(path)
    top = path.parents[len(Path(display).parts) - 1] if display else path.parent
    vault = find_vault(path, top)
    if path.is_symlink() and _leaves(path, vault):
        raise NoteError(
            printable(name), 1, "the note is a symbolic link to a file outside the vault, and is not "
            "read (as images are not) — copy the file into the vault, or give the file itself",
        )  # fmt: skip
    source, digest = read_text(path, printable(name))
    note = parse_note(
        source, name, folder, digest, separators=separators, lookup=vault_lookup(path, vault), where=path
    )
    return find_media(note, path, vault, downloads)


def _leaves(link: Path, vault: Path) -> bool:
    """Whether the file a link leads to is outside `vault` (a broken link or a loop is
    `read_text`'s to explain)."""
    try:
        return not inside(link.resolve(strict=True), vault.resolve())
    except (OSError, RuntimeError):
        return False
