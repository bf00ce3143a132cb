"""Which notes the one-note scenarios edit, and editing them so that the vault is unchanged after.

A source is a folder directly under the vault (one `.apkg` each); its notes are the `.md` files
below it. The **largest** source has the most notes (ties: the first name). The **middle** source
holds the median note when the sources are sorted by size: sort them by (notes, name), line up
their notes in that order, and take the source of note number (N - 1) // 2 (counting from 0) of
the N notes in sources. In each, the edited note is the one of median size: sorted by (bytes,
path), number (n - 1) // 2 of the source's n notes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generate import note_paths

EDIT = (
    "\n\nThe benchmark edit counted about {n:,} study cards in one afternoon "
    '<a class="yt-timestamp" data-t="01:23:45">[01:23:45]</a>. %% deckgen: card %%\n'
)
"""What a one-note edit appends: a sentence with a timestamp that the sentence rule makes a card
of, forced in (`%% deckgen: card %%`) so the card cap cannot rank it out: the edit always changes
a card, so the source's package is written again. `n` is new at every edit (`fresh_number`): a
card that an earlier edit made and putting the note back retired comes back from the lock as
"unchanged", and then its package is not written again."""


def fresh_number() -> int:
    """A number no earlier edit used: microseconds of the clock."""
    return time.time_ns() // 1000 % 10**9


@dataclass(frozen=True, slots=True)
class Pick:
    """A note a one-note scenario edits, and why it was chosen."""

    role: str
    """'largest' or 'middle'."""
    source: str
    source_notes: int
    path: Path

    def label(self) -> str:
        return f"{self.role} source {self.source}"


def sources(root: Path) -> dict[str, list[Path]]:
    """Each folder directly under `root` and the notes below it (folders without notes left out)."""
    found: dict[str, list[Path]] = {}
    for path in note_paths(root):
        parts = path.relative_to(root).parts
        if len(parts) > 1:
            found.setdefault(parts[0], []).append(path)
    return found


def largest(sizes: Mapping[str, int]) -> str:
    """The source with the most notes; of equals, the first by name."""
    return min(sizes, key=lambda s: (-sizes[s], s))


def middle(sizes: Mapping[str, int]) -> str:
    """The source holding the median note when sources are lined up by (notes, name)."""
    if not sizes:
        raise ValueError("no sources")
    order = sorted(sizes, key=lambda s: (sizes[s], s))
    k, seen = (sum(sizes.values()) - 1) // 2, 0
    for s in order:
        seen += sizes[s]
        if seen > k:
            return s
    raise AssertionError("unreachable")


def median_note(notes: Sequence[Path]) -> Path:
    """The note of median size: sorted by (bytes, path), number (n - 1) // 2."""
    return sorted(notes, key=lambda p: (p.stat().st_size, str(p)))[(len(notes) - 1) // 2]


def picks(root: Path) -> list[Pick]:
    """The notes the one-note scenarios edit: one in the largest source, one in the middle one
    (just one when they are the same source)."""
    found = sources(root)
    if not found:
        raise SystemExit(f"{root}: no folder with notes in it — the one-note scenarios need sources")
    sizes = {s: len(ns) for s, ns in found.items()}
    chosen = {"largest": largest(sizes), "middle": middle(sizes)}
    if chosen["middle"] == chosen["largest"]:
        del chosen["middle"]
    return [Pick(role, s, sizes[s], median_note(found[s])) for role, s in chosen.items()]


def _backup(cache: Path) -> tuple[Path, Path]:
    return cache / "edited-note.json", cache / "edited-note.bytes"


def restore_left_edit(cache: Path) -> None:
    """Put back a note an interrupted run left edited (bytes and times), if there is one."""
    meta, data = _backup(cache)
    if not meta.is_file():
        return
    saved = json.loads(meta.read_text(encoding="utf-8"))
    path = Path(saved["path"])
    path.write_bytes(data.read_bytes())
    os.utime(path, ns=(saved["atime_ns"], saved["mtime_ns"]))
    print(f"… put back {path}, left edited by an interrupted run", flush=True)
    meta.unlink()
    data.unlink()


@contextmanager
def edited(path: Path, cache: Path) -> Iterator[float]:
    """Append `EDIT` (with a fresh number) to `path` on entry and give the `perf_counter` time
    just before that save; on exit put back its bytes and its access and modification times. A
    copy waits in `cache` until then, so an interrupted run's next start puts the note back
    (`restore_left_edit`)."""
    restore_left_edit(cache)
    original, stat = path.read_bytes(), path.stat()
    meta, data = _backup(cache)
    cache.mkdir(parents=True, exist_ok=True)
    data.write_bytes(original)
    record = {"path": str(path.resolve()), "atime_ns": stat.st_atime_ns, "mtime_ns": stat.st_mtime_ns}
    meta.write_text(json.dumps(record), encoding="utf-8")
    try:
        saved_at = time.perf_counter()
        with path.open("ab") as f:  # one write: an editor's save
            f.write(EDIT.format(n=fresh_number()).encode())
        yield saved_at
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        meta.unlink()
        data.unlink()


StatKey = tuple[int, int]


def package_stats(out: Path, only: Sequence[Path] = ()) -> dict[Path, StatKey]:
    """Each `.apkg` in `out` (or just those in `only`) and its (inode, mtime_ns): packages are
    renamed into place, so a new inode means a new package."""
    stats = {}
    for path in only or out.glob("*.apkg"):
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        stats[path] = (st.st_ino, st.st_mtime_ns)
    return stats


def changed(before: Mapping[Path, StatKey], after: Mapping[Path, StatKey]) -> list[Path]:
    """The packages written (or made, or removed) between two `package_stats`."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
