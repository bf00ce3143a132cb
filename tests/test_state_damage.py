"""State files in `out/` that cannot be read are made anew with a notice, never a traceback
(issue 22, item 19): they are only deckgen's memory of the last build."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import SEEDS
from deckgen.build import BuildOptions, build
from deckgen.build.state import NOTES_NAME, STATE_NAME
from deckgen.config import Config
from deckgen.identity.lockfile import guids_of, read_lock

NOW = 1_800_000_000
Damage = Callable[[Any], Any]


def _record(data: dict[str, Any], change: Damage) -> dict[str, Any]:
    first = next(iter(data["notes"]))
    return {**data, "notes": {**data["notes"], first: change(data["notes"][first])}}


DAMAGES: list[tuple[str, str, Damage]] = [
    (NOTES_NAME, "notes not an object", lambda d: {**d, "notes": []}),
    (NOTES_NAME, "a record cut short", lambda d: _record(d, lambda r: r[:5])),
    (NOTES_NAME, "a record's stat a text", lambda d: _record(d, lambda r: ["x", *r[1:]])),
    (NOTES_NAME, "packages a list", lambda d: {**d, "packages": []}),
    (NOTES_NAME, "a package a number", lambda d: {**d, "packages": dict.fromkeys(d["packages"], 5)}),
    (NOTES_NAME, "a number too long", lambda d: "{" + '"x": 1' + "0" * 5000 + "}"),
    (NOTES_NAME, "not JSON", lambda d: "{not json"),
    (STATE_NAME, "media not texts", lambda d: {**d, "media": [5]}),
    (STATE_NAME, "problems not rows", lambda d: {**d, "problems": [1]}),
    (STATE_NAME, "outputs not texts", lambda d: {**d, "summary": {**d["summary"], "outputs": [5]}}),
    (STATE_NAME, "summary cut short", lambda d: {**d, "summary": {"notes": 1}}),
]  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    root = tmp_path_factory.mktemp("state")
    first = build([SEEDS], root / "out", Config(), NOW, BuildOptions(lock=root / "deckgen.lock"))
    return root, first


@pytest.mark.parametrize(("name", "what", "damage"), DAMAGES, ids=[d[1] for d in DAMAGES])
def test_a_damaged_state_file_is_made_anew_with_a_notice(
    built: tuple[Path, Any], tmp_path: Path, name: str, what: str, damage: Damage
) -> None:
    root, first = built
    shutil.copytree(root, tmp_path / "v")
    out, lock = tmp_path / "v" / "out", tmp_path / "v" / "deckgen.lock"
    damaged = damage(json.loads((out / name).read_text(encoding="utf-8")))
    (out / name).write_text(damaged if isinstance(damaged, str) else json.dumps(damaged), encoding="utf-8")
    again = build([SEEDS], out, Config(), NOW + 100, BuildOptions(lock=lock, every_card=name != STATE_NAME))
    notices = [p for p in again.problems if p.source.path == str(out / name)]
    assert (
        len(notices) == 1 and "cannot be read" in notices[0].message and "made it anew" in notices[0].message
    )
    assert again.cards == first.cards and again.plan.count("added") == again.plan.count("retired") == 0
    assert guids_of(read_lock(lock)) == guids_of(read_lock(root / "deckgen.lock"))
    third = build([SEEDS], out, Config(), NOW + 200, BuildOptions(lock=lock))
    assert third.skipped and not any(p.source.path == str(out / name) for p in third.problems)
