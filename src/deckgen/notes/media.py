"""The images a note embeds → files to bundle, found as Obsidian finds them.

The reader leaves `[image: target|size]` where a note embeds an image (`![[crumb.png|500]]`,
`![alt](img/crumb.png)`). Here each target is looked for next to the note, then from the vault's
top, then by its name anywhere in the vault (Obsidian's "shortest path" links). A found file is
bundled under a name made from a hash of its bytes, so one image is stored once however many
notes show it, and a changed image reaches Anki as a changed card.

The vault is the nearest folder above the note that holds `.obsidian/` or `logseq/`, else the
folder given on the command line. A file that resolves outside it (through `../`, an absolute
path or a symbolic link) is refused: a shared deck must not carry files from elsewhere on the disk.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..files import stamp
from ..model import Claim, Image, Note, Problem, SourceRef
from ..srplugin import vault_top
from .imagefile import NotThatImage, carried_bytes
from .inline import IMAGE_FILE
from .remote import SETTING, fetch

PLACEHOLDER = re.compile(r"\[image: ([^\]|]+)(?:\|(\d+)(?:x(\d+))?)?\]")
"""An image embed as the reader writes it (see `notes/inline.placeholder`)."""


def embed_ref(m: re.Match[str]) -> str:
    """An embed's `Image.ref` from its `PLACEHOLDER` match: the path and size as written."""
    return m.group(0)[len("[image: ") : -1]


_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def find_vault(note_path: Path, top: Path) -> Path:
    """The vault holding a note: the nearest folder above it with `.obsidian/` or
    `logseq/config.edn` (`srplugin.vault_top`), else `top`, the folder the note was found under."""
    return vault_top(note_path) or top.resolve()


@functools.lru_cache(maxsize=8)
def _by_name(vault: Path) -> dict[str, Path]:
    """Every file in the vault by its name (the first in sorted order wins, as a name link
    in Obsidian resolves to one file); hidden folders are skipped. Built once per process."""
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(vault):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            found.setdefault(name.casefold(), Path(dirpath) / name)
    return found


def inside(path: Path, vault: Path) -> bool:
    """Whether resolved `path` is `vault` or below it."""
    return path == vault or vault in path.parents


def resolve(target: str, note_path: Path, vault: Path, downloads: Path | None = None) -> Path | str:
    """The file an embed shows, or why it is not bundled (a message). A remote image is
    downloaded into `downloads` when it is given (`remote_images: download`)."""
    target = target.strip()
    if _REMOTE.match(target):
        if downloads is not None:
            return fetch(target, downloads)
        return f"remote image {target!r} is not bundled (Anki shows files it holds) — {SETTING}"
    target = unquote(target)
    if not IMAGE_FILE.search(target):  # `[image: …]` typed as text is no embed of an image
        return f"{target!r} is not an image file and is not bundled"
    for candidate in candidates(Path(target), note_path, vault):
        real = candidate.resolve()
        if not inside(real, vault.resolve()):
            return (
                f"image {target!r} is outside the vault ({vault}) and is not bundled — "
                "copy it into the vault and embed that copy"
            )
        return real
    return f"image {target!r} not found next to the note or in the vault — check its name"


def candidates(written: Path, note_path: Path, vault: Path) -> Iterator[Path]:
    """Where an embed may point, in Obsidian's order; the vault is only listed when needed."""
    tries = [written] if written.is_absolute() else [note_path.parent / written, vault / written]
    yield from (p for p in tries if p.is_file())
    if not written.is_absolute() and (named := _by_name(vault).get(written.name.casefold())):
        yield named


def bundled_name(path: Path) -> str:
    """The name a file is bundled under: a hash of the bytes bundled (`imagefile.carried_bytes`:
    an SVG sanitised) and its extension; `NotThatImage` when they are not the image it says."""
    digest = hashlib.sha256(carried_bytes(path)).hexdigest()[:20]
    return f"{digest}{path.suffix.lower()}"


def _embeds(note: Note) -> Iterator[tuple[re.Match[str], int]]:
    """Every image placeholder in the note's blocks and hand-written cards, with its line."""
    for block in note.blocks:
        for m in PLACEHOLDER.finditer(block.text):
            yield m, block.line
    for card in note.explicit.cards if note.explicit else ():
        for text in (card.question, card.answer):
            for m in PLACEHOLDER.finditer(text):
                yield m, card.line


def forget_vaults() -> None:
    """Forget the vaults' file lists (`watch` builds again in the same process)."""
    _by_name.cache_clear()


def find_media(note: Note, note_path: Path, vault: Path, downloads: Path | None = None) -> Note:
    """The note with its images found (`Note.media`) and why each other cannot be bundled;
    `vault` is the vault holding it (`find_vault`); remote images are downloaded into
    `downloads` when it is given."""
    media: dict[str, tuple[Image, str]] = {}
    problems: list[tuple[str, Problem]] = []
    seen: set[str] = set()
    for m, line in _embeds(note):
        ref = embed_ref(m)
        if ref in seen:
            continue
        seen.add(ref)
        found = resolve(m.group(1), note_path, vault, downloads)
        try:
            name = found if isinstance(found, str) else bundled_name(found)
        except OSError as exc:
            found = f"image {m.group(1)!r} cannot be read ({exc.strerror or exc}) — check its permissions"
        except NotThatImage as exc:
            found = f"image {m.group(1)!r} is not bundled: {exc} — save it again as the type its name says"
        if isinstance(found, str):
            problems.append((ref, Problem(SourceRef(note.path, line), found)))
        else:
            media[ref] = (Image(ref, name, m.group(2) or "", m.group(3) or ""), str(found))
    if not media and not problems:
        return note
    return replace(note, media=tuple(media.values()), unbundled=tuple(problems))


def stamps(note: Note) -> tuple[tuple[str, int, int], ...]:
    """The path, size and modification time of each image file and note the note embeds."""
    return tuple((path, *stamp(path)) for path in sorted({path for _, path in note.media} | {*note.embedded}))


def unchanged(seen: Iterable[Sequence[Any]]) -> bool:
    """Whether every image file of `stamps` is as it was (a replaced image makes its note stale)."""
    return all(stamp(str(path)) == (size, mtime) for path, size, mtime in seen)


def _refs(texts: Iterable[str]) -> dict[str, None]:
    """The image embeds in `texts`, in order, each once."""
    return dict.fromkeys(embed_ref(m) for t in texts for m in PLACEHOLDER.finditer(t))


def image_problems(note: Note, kept: Iterable[Claim]) -> list[Problem]:
    """A warning for each image a kept card shows that cannot be bundled (an image in a part
    of the note that gives no card is nobody's concern)."""
    if not note.unbundled:
        return []
    shown = _refs(t for claim in kept for t in _texts(claim))
    return [problem for ref, problem in note.unbundled if ref in shown]


def _texts(claim: Claim) -> tuple[str, ...]:
    return (claim.lead, claim.question, claim.answer, claim.context, *claim.items)


def images_in(claim: Claim, note: Note) -> tuple[tuple[Image, str], ...]:
    """The note's found images whose embed stands in the claim's text, in order, each once."""
    if not note.media:
        return ()
    by_ref = {image.ref: (image, path) for image, path in note.media}
    return tuple(by_ref[r] for r in _refs(_texts(claim)) if r in by_ref)
