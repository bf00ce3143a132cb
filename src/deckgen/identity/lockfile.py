"""`deckgen.lock`: the identity file, read before a build and written after a successful one.

Format 2 is an index and a folder beside it, both meant for version control:

- `deckgen.lock`, the index: a header line, then one sorted JSON line per note
  `[path, identity, sha256 of the note, digest of its entry file]`;
- `deckgen.lock.d/notes/ab/cdef….jsonl`, one file per note (named by a hash of its path): a
  header line `{"path", "identity", "sha256"}`, then one line per claim
  `[guid, kind, key, hash, mtime, deck, question, answer]` in reading order, with a ninth item
  `"ranked_out"` or `"retired"` where it applies;
- `deckgen.lock.d/guids/NN`: every GUID the lock holds, sorted, split by its third character,
  so that a new claim's GUID is checked against the lock without reading every note.

A build reads the index (one short line per note) and only the entry files of the notes it
reconciles, and writes back only those that changed: the cost of a rebuild follows the edit,
not the vault. A lock that does not parse stops the build: starting over would mint new GUIDs
and duplicate every card in the learner's collection.

The format carries a version. A change of format bumps `VERSION` and adds a step to
`MIGRATIONS` that turns one note's JSON of the version before into the new one (format 1 was a
single JSON file; its step only moves the notes into the new layout, so no GUID changes). An
older lock still reads, and the next build writes it back in the new format with a notice. A
lock newer than this deckgen is refused rather than guessed at.

A kill at any instant leaves a lock the next build reads with no GUID changed: the index is
the commit point, renamed into place after the entry files and before the GUID lists. An entry
file newer than its index line but whole (its header keeps a digest of its lines) is a build's
write cut short before the index: it is read, and holds the GUIDs that build's packages hold.
The GUID lists are written after the index and stamped with its digest (`guids/.index`): lists
that do not match the index (a kill before they were written) give way to the entry files. The
index's header counts its lines and keeps their digest, so a lock that lost lines (a merge with
`-X ours`) or was changed by hand is refused with what is missing, never read as less.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..errors import BuildError
from .lockformat import (
    VERSION,
    folder_of,
    migrate,
    recovery,
    text_field,
    time_field,
)
from .match import Entry, NoteEntry

_HINT = (
    "restore it from version control or a backup; delete it only if you never imported the decks "
    "(deckgen would give every card a new identity and Anki would duplicate them)"
)
_FIELDS = ("guid", "kind", "key", "hash", "mtime", "deck", "question", "answer")
ROW_ENCODER = json.JSONEncoder(ensure_ascii=False)


def entry_file(lock: Path, note_path: str) -> Path:
    """The file that holds one note's entries."""
    h = hashlib.sha256(note_path.encode("utf-8")).hexdigest()
    return folder_of(lock) / "notes" / h[:2] / f"{h[2:16]}.jsonl"


def shard_of(guid: str) -> str:
    return f"{ord(guid[2]) if len(guid) > 2 else 0:02x}"


def stamp_file(lock: Path) -> Path:
    return folder_of(lock) / "guids" / ".index"


@dataclass(frozen=True, slots=True)
class Row:
    """One note in the index."""

    path: str
    identity: str
    sha256: str
    digest: str
    """A digest of the note's entry file: a build compares it with the one it wrote last."""


@dataclass(slots=True)
class Lock:
    """An open lock: the index is read, each note's entries when asked for."""

    path: Path | None
    rows: dict[str, Row] = field(default_factory=dict)
    found: int = VERSION
    """The format on disk: older than `VERSION` when the next write migrates it."""
    whole: dict[str, NoteEntry] | None = None
    """Every entry, when the lock on disk was one file (format 1) and was read whole."""
    _guids: dict[str, set[str]] = field(default_factory=dict)
    lines: dict[str, str] = field(default_factory=dict)
    """Each row's line as read, written back as it is when the row did not change."""
    digest: str = ""
    """The digest of the index as read: the GUID lists made for it carry it (`guids/.index`)."""
    after: list[tuple[Path, str | None]] = field(default_factory=list)
    """The GUID lists to write (None: remove) once the index is in place (`finish`)."""
    _stale: bool | None = None
    newer: set[str] = field(default_factory=set)
    """Notes whose entry file is newer than their index line (a build cut short before the
    index): written again by the next build even when unchanged."""

    def entry(self, note_path: str) -> NoteEntry:
        """The entries of one note in the index."""
        if self.whole is not None:
            return self.whole[note_path]
        assert self.path is not None
        entry, newer = _read_entry(self.path, self.rows[note_path], self.found)
        if newer:
            self.newer.add(note_path)
        return entry

    def stale(self) -> bool:
        """Whether the GUID lists were not written for this index (a build cut short after the
        index, or a lock put together by hand): then the entries answer, read once."""
        if self.path is None or self.whole is not None:
            return False
        if self._stale is None:
            try:
                fresh = stamp_file(self.path).read_text(encoding="utf-8").strip() == self.digest
            except (OSError, UnicodeDecodeError):
                fresh = False
            self._stale = not fresh
            self._guids[""] = set() if fresh else guids_of(self.entries())
        return self._stale

    def holds(self, guid: str) -> bool:
        """Whether any note of the lock, live or retired, holds `guid`."""
        if self.whole is not None:
            if not self._guids:
                self._guids[""] = guids_of(self.whole.values())
            return guid in self._guids[""]
        if self.path is None:
            return False
        if self.stale():
            return guid in self._guids[""]
        shard = shard_of(guid)
        if shard not in self._guids:
            self._guids[shard] = read_guids(folder_of(self.path) / "guids" / shard)
        return guid in self._guids[shard]

    def entries(self) -> list[NoteEntry]:
        """Every note the lock remembers, sorted by path."""
        return [self.entry(p) for p in sorted(self.rows)]


def read_guids(path: Path) -> set[str]:
    try:
        return set(path.read_text(encoding="utf-8").split())
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: cannot read the lock's GUIDs ({exc}) — {_HINT}") from None


def _lines(text: str) -> list[str]:
    """A lock file's lines: split at newlines only (a card's text may hold U+2028 and the like)."""
    return text.removesuffix("\n").split("\n") if text else []


def open_lock(path: Path | None) -> Lock:
    """The lock at `path` with its index read; an empty one when it does not exist yet."""
    if path is None:
        return Lock(None)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lock(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: cannot read the lock file ({exc}) — {_HINT}") from None
    lines = _lines(text)
    try:
        head = json.loads(lines[0]) if lines else None
    except ValueError:  # (also a number too long to read)
        head = None
    if not isinstance(head, dict) or head.get("version") == 1 or isinstance(head.get("notes"), dict):
        return _open_whole(path, text)  # format 1, on one line or many
    found = _version(path, head)
    body = [line for line in lines[1:] if line]
    try:  # one parse for the whole index; line by line only to name a broken line
        whole = orjson.loads(f"[{','.join(body)}]")
        rows = [(_row(raw), line) for raw, line in zip(whole, body, strict=True)]
    except (ValueError, TypeError):
        rows = []
        for number, line in enumerate(lines[1:], start=2):
            try:
                rows += [(_row(json.loads(line)), line)] if line else []
            except (ValueError, TypeError) as exc:
                raise BuildError(
                    f"{path}:{number}: the lock file does not match deckgen's format ({exc!r}) — {_HINT}"
                ) from None
    if found != VERSION:
        try:
            migrate({"version": found, "notes": {}}, found)  # refuses a format with no way here
        except ValueError as exc:
            raise BuildError(
                f"{path}: the lock file does not match deckgen's format ({exc}) — {_HINT}"
            ) from None
    by_path = {r.path: r for r, _ in rows}
    _check_index(path, head, body, by_path)
    return Lock(path, by_path, found, lines={r.path: line for r, line in rows}, digest=digest(text))


def _row(raw: Any) -> Row:
    if type(raw) is not list or len(raw) != 4:
        raise TypeError("an index line is a list of 4 texts")
    a, b, c, d = raw
    if type(a) is not str or type(b) is not str or type(c) is not str or type(d) is not str:
        raise TypeError(f"{str(next(x for x in raw if type(x) is not str))[:20]!r} is not a text")
    return Row(a, b, c, d)


def _check_index(path: Path, head: dict[str, Any], body: list[str], rows: Mapping[str, Row]) -> None:
    """Refuse an index that disagrees with its header (a count of its lines, and their digest),
    naming the notes whose entry files have no line."""
    count, made = head.get("notes"), head.get("digest")
    if isinstance(count, int) and not isinstance(count, bool) and count == len(body) == len(rows):
        if made is None or made == digest("\n".join(body)):  # (no digest: written before 0.2)
            return
        problem = "its lines are not the ones its header's digest was made from"
    else:
        problem = f"its header says {str(count)[:20]} notes, but it lists {len(rows)}"
    missing = _unlisted(path, rows)
    if missing:
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        problem += (
            f"; notes with entries in {folder_of(path).name}/ but no line: {', '.join(missing[:10])}{more}"
        )
    raise BuildError(f"{path}:1: the lock disagrees with itself: {problem} — {recovery(path)}")


def _unlisted(lock: Path, rows: Mapping[str, Row]) -> list[str]:
    """The notes with an entry file but no line in the index."""
    found = []
    for file in sorted((folder_of(lock) / "notes").glob("*/*.jsonl")):
        try:
            name = str(json.loads(file.read_text(encoding="utf-8").split("\n", 1)[0])["path"])
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            name = str(file)
        if name not in rows:
            found.append(name)
    return sorted(found)


def _version(path: Path, data: Any) -> int:
    found = data.get("version") if isinstance(data, dict) else None
    if isinstance(found, int) and not isinstance(found, bool) and found > VERSION:
        shown = str(found) if found < 10**12 else "a number too long to be one"
        raise BuildError(
            f"{path}:1: the lock file has format {shown}, newer than this deckgen reads ({VERSION}) — "
            "upgrade deckgen; the lock is left as it is"
        )
    if not isinstance(found, int) or isinstance(found, bool) or found < 1:
        raise BuildError(
            f"{path}:1: the lock file does not match deckgen's format (version {found!r}) — {_HINT}"
        )
    return found


def _open_whole(path: Path, text: str) -> Lock:
    """A lock of format 1: one JSON document, read whole once and migrated."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BuildError(
            f"{path}:{exc.lineno}: the lock file is not valid JSON ({exc.msg}) — {_HINT}"
        ) from None
    except ValueError as exc:  # a number too long to read
        raise BuildError(
            f"{path}:1: the lock file does not match deckgen's format ({exc}) — {_HINT}"
        ) from None
    found = _version(path, data)
    try:
        notes = migrate(data, found)["notes"]
        whole = {text_field(p): _note(p, raw) for p, raw in notes.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BuildError(
            f"{path}:1: the lock file does not match deckgen's format ({exc!r}) — {_HINT}"
        ) from None
    rows = {p: Row(p, n.identity, n.sha256, "") for p, n in whole.items()}
    return Lock(path, rows, found, whole, digest=digest(text))


def _entry(raw: dict[str, Any]) -> Entry:
    mtime = time_field(raw["mtime"])
    return Entry(
        guid=text_field(raw["guid"]), key=text_field(raw["key"]), kind=text_field(raw["kind"]),
        hash=text_field(raw["hash"]),
        mtime=mtime, deck=text_field(raw["deck"]), question=text_field(raw["question"]),
        answer=text_field(raw["answer"]), ranked_out=raw.get("ranked_out", False) is True,
    )  # fmt: skip


def _note(path: str, raw: dict[str, Any]) -> NoteEntry:
    return NoteEntry(
        path=path, identity=text_field(raw["identity"]), sha256=text_field(raw["sha256"]),
        claims=tuple(_entry(e) for e in raw["claims"]),
        retired=tuple(_entry(e) for e in raw.get("retired", [])),
    )  # fmt: skip


def entry_check(path: str, identity: str, sha256: str, rows: Iterable[str]) -> str:
    """An entry file's digest of its own lines, kept in its header."""
    return digest("\n".join([path, identity, sha256, *rows]))


def _read_entry(lock: Path, row: Row, found: int) -> tuple[NoteEntry, bool]:
    """One note's entries, and whether its file is newer than its line in the index."""
    file = entry_file(lock, row.path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{file}: cannot read this part of the lock ({exc}) — {_HINT}") from None
    lines, number = _lines(text), 1
    try:
        head = json.loads(lines[0])
        path, identity, sha256 = (
            text_field(head["path"]),
            text_field(head["identity"]),
            text_field(head["sha256"]),
        )
        raw: dict[str, Any] = {"identity": identity, "sha256": sha256, "claims": [], "retired": []}
        for number, line in enumerate(lines[1:], start=2):  # noqa: B007 (named in the error)
            row_ = json.loads(line)
            if not isinstance(row_, list) or len(row_) not in (8, 9):
                raise ValueError("a claim is a list of 8 or 9 items")
            e = dict(zip(_FIELDS, row_[:8], strict=True))
            time_field(e["mtime"])
            mark = row_[8] if len(row_) > 8 else ""
            if mark not in ("", "ranked_out", "retired"):
                raise ValueError(f"unknown mark {mark!r}")
            e["ranked_out"] = mark == "ranked_out"
            raw["retired" if mark == "retired" else "claims"].append(e)
        newer = digest(text) != row.digest
        if newer and (
            path != row.path or head.get("check") != entry_check(path, identity, sha256, lines[1:])
        ):  # whole but newer than the index: a build's write cut short before the index, so read
            raise BuildError(
                f"{file}:1: this part of the lock does not match its line in {lock.name} "
                f"({row.path}) — {recovery(lock)}"
            )
        return _note(path, migrate({"version": found, "notes": {path: raw}}, found)["notes"][path]), newer
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise BuildError(f"{file}:{number}: this part of the lock does not match deckgen's format "
                         f"({exc!r}) — {_HINT}") from None  # fmt: skip


def read_lock(path: Path) -> list[NoteEntry]:
    """Every note the lock remembers, sorted by path; none when it does not exist yet."""
    return open_lock(path).entries()


def digest(text: str) -> str:
    """The digest of an entry file's text, as the index keeps it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def guids_of(notes: Iterable[NoteEntry]) -> set[str]:
    """Every GUID the notes hold, live or retired."""
    return {e.guid for n in notes for e in (*n.claims, *n.retired)}
