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
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BuildError
from ..files import staged
from .match import Entry, NoteEntry

VERSION = 2
"""The lock format this deckgen writes."""
Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _split_into_files(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 → 2: the same notes and claims; only where they are written changes."""
    return data


MIGRATIONS: dict[int, Migration] = {1: _split_into_files}
"""Version n → the step that turns a lock's JSON `{"version", "notes": {path: note}}` of
format n into format n + 1."""
_HINT = (
    "restore it from version control or a backup; delete it only if you never imported the decks "
    "(deckgen would give every card a new identity and Anki would duplicate them)"
)
_FIELDS = ("guid", "kind", "key", "hash", "mtime", "deck", "question", "answer")
_ROW = json.JSONEncoder(ensure_ascii=False)


def folder_of(lock: Path) -> Path:
    """The folder of per-note entry files beside the index `lock`."""
    return lock.with_name(lock.name + ".d")


def entry_file(lock: Path, note_path: str) -> Path:
    """The file that holds one note's entries."""
    h = hashlib.sha256(note_path.encode("utf-8")).hexdigest()
    return folder_of(lock) / "notes" / h[:2] / f"{h[2:16]}.jsonl"


def _shard(guid: str) -> str:
    return f"{ord(guid[2]) if len(guid) > 2 else 0:02x}"


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

    def entry(self, note_path: str) -> NoteEntry:
        """The entries of one note in the index."""
        if self.whole is not None:
            return self.whole[note_path]
        assert self.path is not None
        return _read_entry(entry_file(self.path, note_path), self.found)

    def holds(self, guid: str) -> bool:
        """Whether any note of the lock, live or retired, holds `guid`."""
        if self.whole is not None:
            if not self._guids:
                self._guids[""] = {e.guid for n in self.whole.values() for e in (*n.claims, *n.retired)}
            return guid in self._guids[""]
        if self.path is None:
            return False
        shard = _shard(guid)
        if shard not in self._guids:
            self._guids[shard] = _read_guids(folder_of(self.path) / "guids" / shard)
        return guid in self._guids[shard]

    def entries(self) -> list[NoteEntry]:
        """Every note the lock remembers, sorted by path."""
        return [self.entry(p) for p in sorted(self.rows)]


def _read_guids(path: Path) -> set[str]:
    try:
        return set(path.read_text(encoding="utf-8").split())
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: cannot read the lock's GUIDs ({exc}) — {_HINT}") from None


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
    lines = text.splitlines()
    try:
        head = json.loads(lines[0]) if lines else None
    except json.JSONDecodeError:
        head = None
    if not isinstance(head, dict):
        return _open_whole(path, text)
    found = _version(path, head)
    body = [line for line in lines[1:] if line]
    try:
        try:  # one parse for the whole index; line by line only to name a broken line
            parsed = json.loads(f"[{','.join(body)}]")
        except json.JSONDecodeError:
            parsed = [json.loads(line) for line in body]
        rows = [(Row(*(str(x) for x in raw)), line) for raw, line in zip(parsed, body, strict=True)]
    except (json.JSONDecodeError, TypeError) as exc:
        raise BuildError(
            f"{path}: the lock file does not match deckgen's format ({exc!r}) — {_HINT}"
        ) from None
    if found != VERSION:
        try:
            migrate({"version": found, "notes": {}}, found)  # refuses a format with no way here
        except ValueError as exc:
            raise BuildError(
                f"{path}: the lock file does not match deckgen's format ({exc}) — {_HINT}"
            ) from None
    return Lock(path, {r.path: r for r, _ in rows}, found, lines={r.path: line for r, line in rows})


def _version(path: Path, data: Any) -> int:
    found = data.get("version") if isinstance(data, dict) else None
    if isinstance(found, int) and found > VERSION:
        raise BuildError(
            f"{path}: the lock file has format {found}, newer than this deckgen reads ({VERSION}) — "
            "upgrade deckgen; the lock is left as it is"
        )
    if not isinstance(found, int) or found < 1:
        raise BuildError(
            f"{path}: the lock file does not match deckgen's format (version {found!r}) — {_HINT}"
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
    found = _version(path, data)
    try:
        notes = migrate(data, found)["notes"]
        whole = {str(p): _note(str(p), raw) for p, raw in notes.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BuildError(
            f"{path}: the lock file does not match deckgen's format ({exc!r}) — {_HINT}"
        ) from None
    rows = {p: Row(p, n.identity, n.sha256, "") for p, n in whole.items()}
    return Lock(path, rows, found, whole)


def migrate(data: dict[str, Any], from_version: int) -> dict[str, Any]:
    """The lock's JSON `data`, of format `from_version`, brought to format `VERSION` one step
    at a time; a version with no step to the next is not a lock deckgen ever wrote."""
    version = from_version
    while version < VERSION:
        if version not in MIGRATIONS:
            raise ValueError(f"no migration from lock format {version}")
        data = MIGRATIONS[version](data)
        version += 1
        data["version"] = version
    return data


def _entry(raw: dict[str, Any]) -> Entry:
    return Entry(
        guid=str(raw["guid"]), key=str(raw["key"]), kind=str(raw["kind"]), hash=str(raw["hash"]),
        mtime=int(raw["mtime"]), deck=str(raw["deck"]), question=str(raw["question"]),
        answer=str(raw["answer"]), ranked_out=bool(raw.get("ranked_out", False)),
    )  # fmt: skip


def _note(path: str, raw: dict[str, Any]) -> NoteEntry:
    return NoteEntry(
        path=path, identity=str(raw["identity"]), sha256=str(raw["sha256"]),
        claims=tuple(_entry(e) for e in raw["claims"]),
        retired=tuple(_entry(e) for e in raw.get("retired", [])),
    )  # fmt: skip


def _read_entry(file: Path, found: int) -> NoteEntry:
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{file}: cannot read this part of the lock ({exc}) — {_HINT}") from None
    number = 1
    try:
        head = json.loads(lines[0])
        raw: dict[str, Any] = {
            "identity": head["identity"],
            "sha256": head["sha256"],
            "claims": [],
            "retired": [],
        }
        for number, line in enumerate(lines[1:], start=2):  # noqa: B007 (named in the error)
            row = json.loads(line)
            e = dict(zip(_FIELDS, row[:8], strict=True))
            mark = row[8] if len(row) > 8 else ""
            e["ranked_out"] = mark == "ranked_out"
            raw["retired" if mark == "retired" else "claims"].append(e)
        path = str(head["path"])
        return _note(path, migrate({"version": found, "notes": {path: raw}}, found)["notes"][path])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise BuildError(f"{file}:{number}: this part of the lock does not match deckgen's format "
                         f"({exc!r}) — {_HINT}") from None  # fmt: skip


def read_lock(path: Path) -> list[NoteEntry]:
    """Every note the lock remembers, sorted by path; none when it does not exist yet."""
    return open_lock(path).entries()


def entry_text(note: NoteEntry) -> str:
    """One note's entry file: a header, then one line per claim, so that edits diff well."""
    head = _ROW.encode({"path": note.path, "identity": note.identity, "sha256": note.sha256})

    def line(e: Entry, mark: str) -> str:
        row: list[Any] = [e.guid, e.kind, e.key, e.hash, e.mtime, e.deck, e.question, e.answer]
        return _ROW.encode([*row, mark] if mark else row)

    rows = [line(e, "ranked_out" if e.ranked_out else "") for e in note.claims]
    rows += [line(e, "retired") for e in note.retired]
    return "\n".join([head, *rows]) + "\n"


def digest(text: str) -> str:
    """The digest of an entry file's text, as the index keeps it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def row_of(note: NoteEntry, text: str) -> Row:
    """The index line of a note whose entry file is `text`."""
    return Row(note.path, note.identity, note.sha256, digest(text))


def index_text(rows: Iterable[Row], known: Mapping[str, str] | None = None) -> str:
    """The index: a header with the format, then one line per note, sorted by path (`known`
    lines are used as they are)."""
    known = known or {}
    lines = [known.get(r.path) or _ROW.encode([r.path, r.identity, r.sha256, r.digest])
             for r in sorted(rows, key=lambda r: r.path)]  # fmt: skip
    return "\n".join([f'{{"version": {VERSION}, "notes": {len(lines)}}}', *lines]) + "\n"


def stage_entry(stage: Callable[[Path], Path], lock: Lock, note: NoteEntry) -> Row:
    """Stage one note's entry file when it differs from the index's (or the lock migrates)."""
    text = entry_text(note)
    row = row_of(note, text)
    if lock.path is not None and (lock.rows.get(note.path) != row or lock.whole is not None):
        stage(entry_file(lock.path, note.path)).write_text(text, encoding="utf-8")
    return row


def stage_index(
    stage: Callable[[Path], Path], lock: Lock, rows: Mapping[str, Row], gone: Iterable[str],
    guids: Iterable[str],
) -> dict[str, Row]:  # fmt: skip
    """Stage the GUID files that gain `guids` and the index with `rows` (from `stage_entry`)
    and without the notes in `gone`; stage it last, so that it is renamed into place last. A
    lock of an older format gets every note's file. Returns the new index."""
    assert lock.path is not None
    new_rows = {**lock.rows, **rows}
    for path in gone:
        new_rows.pop(path, None)
    if lock.whole is not None:  # migrating: every note gets its own file, every GUID its line
        for path in set(new_rows) - set(rows):
            new_rows[path] = stage_entry(stage, lock, lock.whole[path])
        guids = {*guids, *guids_of(lock.whole.values())}
    by_shard: dict[str, set[str]] = {}
    for guid in guids:
        by_shard.setdefault(_shard(guid), set()).add(guid)
    for shard, new in sorted(by_shard.items()):
        file = folder_of(lock.path) / "guids" / shard
        old = set() if lock.whole is not None else _read_guids(file)
        if not new <= old:
            stage(file).write_text("".join(f"{g}\n" for g in sorted(old | new)), encoding="utf-8")
    same = {p: line for p, line in lock.lines.items() if new_rows.get(p) == lock.rows[p]}
    stage(lock.path).write_text(index_text(new_rows.values(), same), encoding="utf-8")
    return new_rows


def remove_entries(lock: Path, paths: Iterable[str]) -> None:
    """Delete the entry files of notes the index no longer lists (after it is in place)."""
    for path in paths:
        entry_file(lock, path).unlink(missing_ok=True)


def write_lock(path: Path, notes: list[NoteEntry]) -> None:
    """Write the whole lock anew (as `prune` does): every entry file, the GUIDs and the index,
    put in place together; the files of notes and GUIDs no longer held are removed after."""
    before = open_lock(path)
    fresh = Lock(path, {}, VERSION, {})  # an empty `whole`: every file is written, none read
    guids = guids_of(notes)
    with staged() as stage:
        rows = {n.path: stage_entry(stage, fresh, n) for n in notes}
        stage_index(stage, fresh, rows, (), guids)
    remove_entries(path, set(before.rows) - {n.path for n in notes})
    shards = {_shard(g) for g in guids}  # a pruned GUID may be given again, as it was before
    for file in (folder_of(path) / "guids").glob("*"):
        if file.name not in shards and not file.name.startswith("."):
            file.unlink(missing_ok=True)


def guids_of(notes: Iterable[NoteEntry]) -> set[str]:
    """Every GUID the notes hold, live or retired."""
    return {e.guid for n in notes for e in (*n.claims, *n.retired)}


def dump_lock(notes: list[NoteEntry]) -> str:
    """The whole lock as one text (the index, then each entry file), for tests and review."""
    rows, parts = [], []
    for note in sorted(notes, key=lambda n: n.path):
        text = entry_text(note)
        rows.append(row_of(note, text))
        parts.append(text)
    return index_text(rows) + "".join(parts)
