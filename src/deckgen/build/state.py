"""What the last build saw, in `out/.deckgen-state.json`: a build whose inputs are all as they
were (same files with the same sizes and modification times, same lock, settings, templates
and deckgen code) has nothing to do and writes nothing.

The notes are looked at once, before they are read (`inputs_digest`), and that view is what
is saved: a note saved while a build reads the notes then looks changed to the next build.
The lock is deckgen's own output, so its stat joins only when the signature is made.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from .. import files
from ..codec import decoder
from ..config import Config, template_path
from ..files import atomic_write, stamp
from ..model import Problem, SourceRef

STATE_NAME = ".deckgen-state.json"
_Problems = list[tuple[str, int, str, bool]]
_STATE: dict[str, Any] = {
    "signature": str, "media": list[str], "problems": _Problems,
    "summary": {"notes": int, "cards": int, "decks": int, "kinds": dict[str, int], "outputs": list[str],
                "empty": list[tuple[str, str]], "packages": dict[str, str]},
}  # fmt: skip
_NOTES: dict[str, Any] = {
    "settings": str,
    "packages": [{"digest": str, "decks": list[str]}],
}  # fmt: skip
"""What each file must hold: a key's `codec` hint, an object's shape, or `[shape]` for an
object whose every value has that shape."""


def _check(value: Any, shape: Any, where: str = "") -> None:
    """Raise ValueError unless `value` has `shape`."""
    if isinstance(shape, (dict, list)):
        if not isinstance(value, dict):
            raise ValueError(f"{where.rstrip('.') or 'the file'} is not an object")
        for key, sub in shape.items() if isinstance(shape, dict) else ((k, shape[0]) for k in value):
            if key not in value:
                raise ValueError(f"{where}{key} is missing")
            _check(value[key], sub, f"{where}{key}.")
    else:
        try:
            decoder(shape)(value)
        except ValueError as exc:
            raise ValueError(f"{where.rstrip('.')}: {exc}") from None


def _read(path: Path, shape: dict[str, Any], notices: list[Problem] | None) -> dict[str, Any] | None:
    """A state file of `out/`, checked against its shape; None when it is absent, or when it
    cannot be read (then a notice says it is made anew: it is only deckgen's memory)."""
    try:
        data = orjson.loads(path.read_bytes())
        _check(data, shape)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as exc:  # (orjson: bad UTF-8 is a ValueError)
        if notices is not None:
            notices.append(Problem(SourceRef(str(path), 0), f"cannot be read ({str(exc)[:160]}); "
                                   "deckgen made it anew"))  # fmt: skip
        return None
    assert isinstance(data, dict)
    return data


def _stat(path: Path | str) -> list[int]:
    return list(stamp(path))


def note_stats(notes: Sequence[Path | str]) -> list[list[int]]:
    """Each note's size and modification time, looked at once per build."""
    return [_stat(p) for p in notes]


def inputs_digest(
    notes: Sequence[Path | str], config: Config, stats: Sequence[list[int]] | None = None
) -> str:
    """A digest of the notes, settings, templates and code a build reads, by size and
    modification time (`stats`, else looked at here; no file is read). Take it before reading
    the notes."""
    templates = template_path("card.css", config.templates).parent
    seen = note_stats(notes) if stats is None else stats
    inputs: dict[str, Any] = {
        "code": files.code_digest(),  # the same digest as the note cache's key
        "config": repr(config),
        "notes": [[str(p), *st] for p, st in zip(notes, seen, strict=True)],
        "templates": [[p.name, *_stat(p)] for p in sorted(templates.glob("*"))],
        "user_templates": [[p.name, *_stat(p)] for p in sorted(config.templates.glob("*"))]
        if config.templates
        else [],
    }
    return hashlib.sha256(orjson.dumps(inputs)).hexdigest()


def signature(inputs: str, lock: Path | None, media: Sequence[Sequence[Any]] = ()) -> str:
    """The build's signature: `inputs_digest`, the lock as it is now and the image files the
    notes embed (path, size, modification time: `media_now`, or as the notes were read)."""
    seen = [inputs, [str(lock), *_stat(lock)] if lock is not None else None, [list(m) for m in media]]
    return hashlib.sha256(orjson.dumps(seen)).hexdigest()


def media_now(state: dict[str, Any] | None) -> list[list[Any]]:
    """The image files the last build's notes embed, as they are now (an image replaced under
    the same name changes no note, but must make the build look again)."""
    paths = state.get("media") if state else None
    return [[p, *_stat(Path(p))] for p in paths] if isinstance(paths, list) else []


def last_state(out: Path, notices: list[Problem] | None = None) -> dict[str, Any] | None:
    """What the last build into `out` remembered, if anything readable (else a notice joins
    `notices`)."""
    return _read(out / STATE_NAME, _STATE, notices)


def last_packages(state: dict[str, Any] | None) -> dict[str, str]:
    """The packages (file name → content digest) the build that left `state` wrote."""
    summary = state.get("summary") if state else None
    packages = summary.get("packages") if isinstance(summary, dict) else None
    if not isinstance(packages, dict):
        return {}
    return {str(k): str(v) for k, v in packages.items()}


def unchanged_summary(state: dict[str, Any] | None, sig: str) -> dict[str, Any] | None:
    """The last build's state (`summary` and `problems`) when its signature is `sig` and its
    outputs are all still there."""
    if state is None or state.get("signature") != sig:
        return None
    summary = state.get("summary")
    outputs = summary.get("outputs") if isinstance(summary, dict) else None
    if not isinstance(outputs, list) or not all(Path(p).is_file() for p in outputs):
        return None
    return state


def save_state(
    out: Path, sig: str, summary: dict[str, Any], problems: list[list[Any]], media: Sequence[str] = ()
) -> None:
    """Remember this build (and the image files its notes embed, `media`); written last, so a
    failed build never looks up to date."""
    state = {"signature": sig, "summary": summary, "problems": problems, "media": list(media)}
    atomic_write(out / STATE_NAME, orjson.dumps(state, option=orjson.OPT_INDENT_2))


NOTES_NAME = ".deckgen-notes.json"
"""What the last build learned of each note (`incremental.Record`), apart from the state so
that a build with nothing to do never reads it."""


_KNOWN: dict[Path, tuple[tuple[int, ...], dict[str, Any]]] = {}
"""The notes state this process last read or wrote, by file, with the file's size, times and
inode then: `watch` builds again and again in one process, and reading a vault's records anew
was a quarter of each rebuild. Callers only read what `last_notes` returns."""


def _file_id(path: Path) -> tuple[int, ...]:
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)  # (any write moves the ctime)


def last_notes(out: Path, notices: list[Problem] | None = None) -> dict[str, Any]:
    """The per-note records (`"notes"`: path → `Record`) and the packages the last build into
    `out` left, if readable (else a notice joins `notices`)."""
    path = out / NOTES_NAME
    seen = _file_id(path)
    if (known := _KNOWN.get(path)) is not None and seen and known[0] == seen:
        return known[1]
    data = _read(path, _NOTES, notices) or {}
    try:
        rows = data.get("notes", {})
        if not isinstance(rows, dict):
            raise ValueError("notes is not an object")
        found = {**data, "notes": {str(p): Record.from_json(r) for p, r in rows.items()}}
        _KNOWN[path] = (seen, found)
        return found
    except ValueError as exc:
        if notices is not None:
            notices.append(Problem(SourceRef(str(path), 0), f"cannot be read ({str(exc)[:160]}); "
                                   "deckgen made it anew"))  # fmt: skip
        return {}


def save_notes(out: Path, settings: str, packages: dict[str, Any], records: dict[str, Record]) -> None:
    """Remember what this build learned of each note (before the state: see `save_state`)."""
    path = out / NOTES_NAME
    data = {"settings": settings, "packages": packages}
    atomic_write(path, orjson.dumps({**data, "notes": {p: r.to_json() for p, r in records.items()}}))
    _KNOWN[path] = (_file_id(path), {**data, "notes": records})


class Record:
    """What a build learned of one note, kept for the next (`.deckgen-notes.json`). It holds the
    note's JSON row and reads its values when asked: a build reads 21,000 of them and looks at
    most once."""

    __slots__ = ("_problems", "_row")

    def __init__(
        self, stat: tuple[int, int], key: str, lock: str, identity: str, packages: Sequence[str],
        decks: Sequence[str], cards: int, kept: int, kinds: dict[str, int], problems: Sequence[Problem],
        empty: str, media: Sequence[tuple[str, int, int]] = (),
    ) -> None:  # fmt: skip
        rows = [[p.source.path, p.source.line, p.message, p.unread] for p in problems]
        self._row: list[Any] = [list(stat), key, lock, identity, list(packages), list(decks), cards, kept,
                                kinds, rows, empty, [list(m) for m in media]]  # fmt: skip
        self._problems = tuple(problems)

    @property
    def stat(self) -> tuple[int, int]:
        """The note file's size and modification time as the build saw them."""
        size, mtime = self._row[0]
        return size, mtime

    @property
    def key(self) -> str:
        """Its note-cache key."""
        return str(self._row[1])

    @property
    def lock(self) -> str:
        """The digest of its lock entry as this build wrote it."""
        return str(self._row[2])

    @property
    def identity(self) -> str:
        return str(self._row[3])

    @property
    def packages(self) -> tuple[str, ...]:
        return tuple(self._row[4])

    @property
    def decks(self) -> tuple[str, ...]:
        """The decks its live cards are in (its retired cards' decks give `packages` too)."""
        return tuple(self._row[5])

    @property
    def cards(self) -> int:
        return int(self._row[6])

    @property
    def kept(self) -> int:
        """Its cards that rank among the note's (not kept only for the learner): all of them are
        unchanged in a build that finds the note settled."""
        return int(self._row[7])

    @property
    def kinds(self) -> dict[str, int]:
        found: dict[str, int] = self._row[8]
        return found

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._problems

    @property
    def empty(self) -> str:
        return str(self._row[10])

    @property
    def media(self) -> tuple[tuple[str, int, int], ...]:
        """The image files it embeds as they were read (`NoteClaims.media`)."""
        return tuple((path, size, mtime) for path, size, mtime in self._row[11])

    def to_json(self) -> list[Any]:
        """A compact JSON row (the one it was read from, written back as it is)."""
        return self._row

    @classmethod
    def from_json(cls, raw: Any) -> Record:
        """The row `to_json` wrote; ValueError when it is not one (a damaged file). Each of the
        twelve values' type is checked, and the stat, problems and images inside them."""
        if not isinstance(raw, list) or tuple(map(type, raw)) != _ROW:  # (exact types: no bool for int)
            if not isinstance(raw, list) or len(raw) != len(_ROW):
                raise ValueError("a note's record is not a row of 12 values")
            value, kind = next((v, k) for v, k in zip(raw, _ROW, strict=True) if type(v) is not k)
            raise ValueError(f"a note's record holds {str(value)[:20]!r} where it needs a {kind.__name__}")
        st, problems, media = raw[0], raw[9], raw[11]
        try:
            size, mtime = st
            _int(size), _int(mtime)
            found = tuple(Problem(SourceRef(p, line), m, unread) for p, line, m, unread in problems)
            for path, size, mtime in media:
                if type(path) is not str:
                    raise ValueError(f"{str(path)[:20]!r} is not a path")
                _int(size), _int(mtime)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"a note's record does not fit ({exc})") from None
        record = object.__new__(cls)
        record._row, record._problems = raw, found
        return record


_ROW: tuple[type, ...] = (list, str, str, str, list, list, int, int, dict, list, str, list)
"""The type of each value of a record's JSON row, in order."""


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{str(value)[:20]!r} is not a whole number")
    return value
