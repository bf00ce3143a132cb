"""A lock that disagrees with itself, or holds what no lock deckgen wrote, is refused with its
file, its line and how to recover; never read as something else (issue 22, items 4 and 19)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import SEEDS, TESTS
from deckgen.build import BuildOptions, build
from deckgen.cli import app
from deckgen.config import Config
from deckgen.errors import BuildError
from deckgen.identity import lockfile, lockformat, lockwrite
from deckgen.identity.lockfile import read_lock

NOW = 1_800_000_000
RECOVER = (
    "restore deckgen.lock and its .d folder together from one commit "
    "(git checkout <commit> -- deckgen.lock deckgen.lock.d)"
)


@pytest.fixture(scope="module")
def seeds_lock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five seed notes built once with a lock (copied by each test that damages it)."""
    root = tmp_path_factory.mktemp("seeds")
    build([SEEDS], root / "out", Config(), NOW, BuildOptions(lock=root / "deckgen.lock"))
    return root


@pytest.fixture
def vault(seeds_lock: Path, tmp_path: Path) -> Path:
    shutil.copytree(seeds_lock, tmp_path / "v")
    return tmp_path / "v"


def _index(vault: Path) -> list[str]:
    return (vault / "deckgen.lock").read_text(encoding="utf-8").splitlines()


def _refused(vault: Path, match: str) -> str:
    lock = vault / "deckgen.lock"
    before = lock.read_bytes()
    with pytest.raises(BuildError, match=match) as err:
        build([SEEDS], vault / "out", Config(), NOW + 100, BuildOptions(lock=lock, every_card=True))
    assert lock.read_bytes() == before
    return str(err.value)


def test_an_index_that_lost_lines_is_refused_naming_the_notes(vault: Path) -> None:
    """What `git merge -X ours` leaves: the header of one side, lines lost."""
    lines = _index(vault)
    gone = json.loads(lines[2])[0]
    (vault / "deckgen.lock").write_text("\n".join(lines[:2] + lines[3:]) + "\n", encoding="utf-8")
    message = _refused(
        vault, r"deckgen\.lock:1: the lock disagrees with itself: its header says 5 notes, but it lists 4"
    )
    assert f"notes with entries in deckgen.lock.d/ but no line: {gone}" in message and RECOVER in message


def test_a_header_only_index_is_refused_naming_every_note(vault: Path) -> None:
    lines = _index(vault)
    (vault / "deckgen.lock").write_text(lines[0] + "\n", encoding="utf-8")
    message = _refused(vault, "its header says 5 notes, but it lists 0")
    assert all(json.loads(line)[0] in message for line in lines[1:])


def test_an_index_line_changed_by_hand_is_refused(vault: Path) -> None:
    lines = _index(vault)
    row = json.loads(lines[1])
    row[1] = "someone/else"
    lines[1] = json.dumps(row, ensure_ascii=False)
    (vault / "deckgen.lock").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _refused(vault, "its lines are not the ones its header's digest was made from")


def test_prune_refuses_a_lock_that_lost_lines(vault: Path) -> None:
    lock = vault / "deckgen.lock"
    lock.write_text(_index(vault)[0] + "\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in sorted(lockformat.folder_of(lock).rglob("*")) if p.is_file()}
    result = CliRunner().invoke(app, ["prune", "--lock", str(lock)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "the lock disagrees with itself" in result.stderr and RECOVER in result.stderr
    assert {p: p.read_bytes() for p in before} == before


def test_a_lock_from_before_the_digests_still_reads_and_builds_unchanged(vault: Path) -> None:
    """Locks written by deckgen 0.1 (format 2: a count but no digest in the index's header, no
    digest in the entry files' headers) read as they are, and build with no card changed."""
    lock = vault / "deckgen.lock"
    old = read_lock(lock)
    rows = []
    for line in _index(vault)[1:]:
        row = json.loads(line)
        file = lockfile.entry_file(lock, row[0])
        lines = file.read_text(encoding="utf-8").splitlines()
        head = json.loads(lines[0])
        del head["check"]
        text = "\n".join([json.dumps(head, ensure_ascii=False), *lines[1:]]) + "\n"
        file.write_text(text, encoding="utf-8")
        rows.append(json.dumps([*row[:3], lockfile.digest(text)], ensure_ascii=False))
    lock.write_text("\n".join(['{"version": 2, "notes": 5}', *rows]) + "\n", encoding="utf-8")
    assert read_lock(lock) == old
    again = build([SEEDS], vault / "out", Config(), NOW + 100, BuildOptions(lock=lock, every_card=True))
    assert again.plan.count("added") == again.plan.count("changed") == again.plan.count("retired") == 0
    assert read_lock(lock) == old and '"digest": ' in _index(vault)[0]


def test_a_format_1_lock_on_one_line_is_read_whole(tmp_path: Path) -> None:
    fixture = TESTS / "fixtures" / "locks" / "seeds-0.1.0.lock"
    lock = tmp_path / "deckgen.lock"
    lock.write_text(json.dumps(json.loads(fixture.read_text(encoding="utf-8"))), encoding="utf-8")
    assert len(lock.read_text(encoding="utf-8").splitlines()) == 1
    entries = read_lock(lock)
    assert entries == read_lock(fixture) and len(entries) == 5 and all(n.claims for n in entries)


@pytest.mark.parametrize("where", ["index", "format 1"])
def test_a_version_too_long_to_read_is_refused(vault: Path, where: str) -> None:
    lock = vault / "deckgen.lock"
    huge = "1" + "0" * 5000
    if where == "index":
        lines = _index(vault)
        lines[0] = lines[0].replace('"version": 2', f'"version": {huge}')
        lock.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        lock.write_text(f'{{\n "version": {huge},\n "notes": {{}}\n}}\n', encoding="utf-8")
    message = _refused(vault, r"deckgen\.lock:1: the lock file ")
    assert "restore it from version control" in message or "upgrade deckgen" in message
    assert len(message) < 1000


@pytest.mark.parametrize("mtime", ["1" + "0" * 400, "-5", "1.5", "true", '"12"'])
def test_an_entry_time_that_is_not_a_time_is_refused(vault: Path, mtime: str) -> None:
    lock = vault / "deckgen.lock"
    note = json.loads(_index(vault)[1])[0]
    file = lockfile.entry_file(lock, note)
    lines = file.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[1])
    lines[1] = json.dumps(row).replace(f", {row[4]}, ", f", {mtime}, ", 1)
    assert lines[1] != json.dumps(row)
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _refused(vault, rf"{file.name}:2: this part of the lock does not match deckgen's format")


def test_an_entry_file_changed_by_hand_is_refused_but_one_a_build_left_newer_is_read(vault: Path) -> None:
    """An entry file is whole (its header's digest of its lines) but newer than its index line
    only when a build was killed between the two: it is read. Changed by hand, it is refused."""
    lock = vault / "deckgen.lock"
    note = json.loads(_index(vault)[1])[0]
    [entry] = [n for n in read_lock(lock) if n.path == note]
    newer = type(entry)(entry.path, entry.identity, entry.sha256, entry.claims[1:], entry.claims[:1])
    file = lockfile.entry_file(lock, note)
    file.write_text(lockwrite.entry_text(newer), encoding="utf-8")
    assert [n for n in read_lock(lock) if n.path == note] == [newer]
    lines = file.read_text(encoding="utf-8").splitlines()
    file.write_text("\n".join([lines[0], *lines[2:]]) + "\n", encoding="utf-8")
    _refused(vault, rf"{file.name}:1: this part of the lock does not match its line in deckgen\.lock")


# The fuzz: a valid lock, truncated or tampered with at random, is read exactly or refused.


@pytest.fixture(scope="module")
def pristine(seeds_lock: Path) -> Iterator[tuple[Path, dict[Path, bytes], list[object]]]:
    lock = seeds_lock / "deckgen.lock"
    files = [lock, *sorted(p for p in (lockformat.folder_of(lock) / "notes").rglob("*.jsonl"))]
    yield lock, {p: p.read_bytes() for p in files}, list(read_lock(lock))


_OPS = st.sampled_from(
    ["truncate", "drop line", "duplicate line", "swap lines", "replace char", "insert char"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 100), op=_OPS, at=st.integers(0, 10**6), other=st.integers(0, 10**6),
       char=st.characters(codec="utf-8"))  # fmt: skip
def test_fuzz_a_damaged_lock_is_read_exactly_or_refused(
    pristine: tuple[Path, dict[Path, bytes], list[object]],
    which: int,
    op: str,
    at: int,
    other: int,
    char: str,
) -> None:
    lock, files, entries = pristine
    target = list(files)[which % len(files)]
    text = files[target].decode("utf-8")
    lines = text.split("\n")
    i, j = at % len(lines), other % len(lines)
    if op == "truncate":
        damaged = text[: at % (len(text) + 1)]
    elif op == "drop line":
        damaged = "\n".join(lines[:i] + lines[i + 1 :])
    elif op == "duplicate line":
        damaged = "\n".join(lines[: i + 1] + lines[i:])
    elif op == "swap lines":
        lines[i], lines[j] = lines[j], lines[i]
        damaged = "\n".join(lines)
    elif op == "replace char":
        k = at % max(len(text), 1)
        damaged = text[:k] + char + text[k + 1 :]
    else:
        k = at % (len(text) + 1)
        damaged = text[:k] + char + text[k:]
    try:
        target.write_text(damaged, encoding="utf-8")
        try:
            got = read_lock(lock)
        except BuildError as exc:
            assert str(exc).startswith(str(lock.parent))  # it names the file
        else:
            assert got == entries, f"{op} in {target.name} read as a different lock"
    finally:
        target.write_bytes(files[target])


def test_a_broken_index_line_is_named(vault: Path) -> None:
    lines = _index(vault)
    lines[3] = lines[3][:-1]
    (vault / "deckgen.lock").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _refused(vault, r"deckgen\.lock:4: the lock file does not match deckgen's format")
