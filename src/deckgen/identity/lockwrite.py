"""Writing the lock: each changed note's entry file, the index (the one commit point, renamed into
place last), then the GUID lists; `write_lock` for `prune`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..files import atomic_write, staged
from .lockfile import (
    ROW_ENCODER,
    Lock,
    Row,
    digest,
    entry_check,
    entry_file,
    guids_of,
    open_lock,
    read_guids,
    shard_of,
    stamp_file,
)
from .lockformat import VERSION, folder_of
from .match import Entry, NoteEntry


def entry_text(note: NoteEntry) -> str:
    """One note's entry file: a header, then one line per claim, so that edits diff well."""

    def line(e: Entry, mark: str) -> str:
        row: list[Any] = [e.guid, e.kind, e.key, e.hash, e.mtime, e.deck, e.question, e.answer]
        return ROW_ENCODER.encode([*row, mark] if mark else row)

    rows = [line(e, "ranked_out" if e.ranked_out else "") for e in note.claims]
    rows += [line(e, "retired") for e in note.retired]
    head = ROW_ENCODER.encode({"path": note.path, "identity": note.identity, "sha256": note.sha256,
                        "check": entry_check(note.path, note.identity, note.sha256, rows)})  # fmt: skip
    return "\n".join([head, *rows]) + "\n"


def row_of(note: NoteEntry, text: str) -> Row:
    """The index line of a note whose entry file is `text`."""
    return Row(note.path, note.identity, note.sha256, digest(text))


def index_text(rows: Iterable[Row], known: Mapping[str, str] | None = None) -> str:
    """The index: a header with the format, the count of the lines and their digest, then one
    line per note, sorted by path (`known` lines are used as they are)."""
    known = known or {}
    lines = [known.get(r.path) or ROW_ENCODER.encode([r.path, r.identity, r.sha256, r.digest])
             for r in sorted(rows, key=lambda r: r.path)]  # fmt: skip
    head = f'{{"version": {VERSION}, "notes": {len(lines)}, "digest": "{digest(chr(10).join(lines))}"}}'
    return "\n".join([head, *lines]) + "\n"


def stage_entry(stage: Callable[[Path], Path], lock: Lock, note: NoteEntry) -> Row:
    """Stage one note's entry file when it differs from the index's (or the lock migrates)."""
    text = entry_text(note)
    row = row_of(note, text)
    if lock.path is not None and (
        lock.rows.get(note.path) != row or lock.whole is not None or note.path in lock.newer
    ):
        stage(entry_file(lock.path, note.path)).write_text(text, encoding="utf-8")
    return row


def stage_index(
    stage: Callable[[Path], Path], lock: Lock, rows: Mapping[str, Row], gone: Iterable[str],
    guids: Iterable[str],
) -> dict[str, Row]:  # fmt: skip
    """Stage the index with `rows` (from `stage_entry`) and without the notes in `gone`: staged
    last, it is renamed into place last, the one instant the lock changes. The GUID lists that
    gain `guids` are written after it (`finish`). A lock of an older format gets every note's
    file. Returns the new index."""
    assert lock.path is not None
    new_rows = {**lock.rows, **rows}
    for path in gone:
        new_rows.pop(path, None)
    every = lock.whole is not None or lock.stale()  # every list is written again
    if lock.whole is not None:  # migrating: every note gets its own file, every GUID its line
        for path in set(new_rows) - set(rows):
            new_rows[path] = stage_entry(stage, lock, lock.whole[path])
        guids = {*guids, *guids_of(lock.whole.values())}
    elif every:
        guids = {*guids, *lock._guids[""]}
    by_shard: dict[str, set[str]] = {}
    for guid in guids:
        by_shard.setdefault(shard_of(guid), set()).add(guid)
    lists = folder_of(lock.path) / "guids"
    lock.after = [(file, None) for file in sorted(lists.glob("*"))
                  if every and file.name not in by_shard and not file.name.startswith(".")]  # fmt: skip
    for shard, new in sorted(by_shard.items()):
        old = set() if every else read_guids(lists / shard)
        if not new <= old:
            lock.after.append((lists / shard, "".join(f"{g}\n" for g in sorted(old | new))))
    same = {p: line for p, line in lock.lines.items() if new_rows.get(p) == lock.rows[p]}
    text = index_text(new_rows.values(), same)
    stage(lock.path).write_text(text, encoding="utf-8")
    lock.after.append((stamp_file(lock.path), digest(text) + "\n"))  # last: the lists now match
    return new_rows


def finish(lock: Lock, gone: Iterable[str] = ()) -> None:
    """Once the index is in place: write the GUID lists it gained, then delete the entry files
    of the notes it no longer lists (`gone`). A kill before the end leaves lists that do not
    match the index: the next build reads the entries instead (`Lock.stale`)."""
    if lock.path is None:
        return
    for file, text in lock.after:
        if text is None:
            file.unlink(missing_ok=True)
        else:
            atomic_write(file, text.encode("utf-8"))
    lock.after = []
    remove_entries(lock.path, gone)


def remove_entries(lock: Path, paths: Iterable[str]) -> None:
    """Delete the entry files of notes the index no longer lists (after it is in place)."""
    for path in paths:
        entry_file(lock, path).unlink(missing_ok=True)


def write_lock(path: Path, notes: list[NoteEntry]) -> None:
    """Write the whole lock anew (as `prune` does): every entry file and the index, put in
    place together, then the GUID lists; the files of notes and GUIDs no longer held are
    removed after (a pruned GUID may be given again, as it was before)."""
    before = open_lock(path)
    fresh = Lock(path, {}, VERSION, {})  # an empty `whole`: every file is written, none read
    with staged() as stage:
        rows = {n.path: stage_entry(stage, fresh, n) for n in notes}
        stage_index(stage, fresh, rows, (), guids_of(notes))
    finish(fresh, set(before.rows) - {n.path for n in notes})


def dump_lock(notes: list[NoteEntry]) -> str:
    """The whole lock as one text (the index, then each entry file), for tests and review."""
    rows, parts = [], []
    for note in sorted(notes, key=lambda n: n.path):
        text = entry_text(note)
        rows.append(row_of(note, text))
        parts.append(text)
    return index_text(rows) + "".join(parts)
