"""Start-up: `--help`, `--version` and `import deckgen` load no pipeline stage; each command
imports what it runs. Checked by which modules a fresh interpreter has loaded, not by timing.

Each check runs in a fresh interpreter (the test run itself has loaded everything), on the
deckgen this test run imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import deckgen
from conftest import REFERENCE, TESTS

SOURCE = Path(deckgen.__file__).parent.parent
"""The folder holding the deckgen under test, for the fresh interpreters."""
HEAVY = (
    "deckgen.build.run", "deckgen.cards.claims", "deckgen.rules", "deckgen.notes", "deckgen.config",
    "deckgen.identity.match", "deckgen.write.apkg", "deckgen.push", "genanki", "markdown_it", "yaml",
    "nh3", "http.client", "ssl", "jinja2", "weasyprint", "watchfiles", "anki", "regex",
)  # fmt: skip
"""What a command that builds nothing must not load: the stages and their libraries."""
BUILT = ("deckgen.build.run", "deckgen.cards.claims", "deckgen.rules", "genanki", "markdown_it")
"""What a build loads: proves the names in HEAVY are the modules' real names."""


PRELUDE = f"""
import json, sys
def loaded():
    return sorted(m for m in {HEAVY!r} if m in sys.modules)
"""
"""What `fresh` runs first: `loaded()` lists the modules of HEAVY that are loaded."""


def fresh(code: str) -> object:
    """Run PRELUDE and `code` in a fresh interpreter; what it printed last, read as JSON."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SOURCE), str(TESTS)])}
    proc = subprocess.run(
        [sys.executable, "-c", PRELUDE + code], capture_output=True, text=True, env=env, check=False,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def run_app(argv: list[str]) -> tuple[list[str], str]:
    """`deckgen ARGV` in a fresh interpreter: the modules of HEAVY it left loaded, and what it
    printed."""
    code = f"""
import contextlib, io
from deckgen.cli import app
sys.argv = ["deckgen", *{argv!r}]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        app()
    except SystemExit as exc:
        assert not exc.code, exc.code
print(json.dumps([loaded(), out.getvalue()]))
"""
    found = fresh(code)
    assert isinstance(found, list)
    return found[0], found[1]


def test_help_and_version_load_no_stage() -> None:
    """Every command's --help, and --version, in one interpreter: after each, nothing heavy."""
    from test_cli import COMMANDS

    runs = [["--help"], ["--version"], *([c, "--help"] for c in COMMANDS)]
    code = f"""
import contextlib, io
from deckgen.cli import app
found = {{"import deckgen.cli": loaded()}}
for argv in {runs!r}:
    sys.argv = ["deckgen", *argv]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        app()
    found[" ".join(argv)] = loaded()
print(json.dumps(found))
"""
    found = fresh(code)
    assert isinstance(found, dict) and len(found) == len(runs) + 1
    assert {run: mods for run, mods in found.items() if mods} == {}


def test_import_deckgen_loads_no_stage() -> None:
    assert fresh("import deckgen\nprint(json.dumps(loaded()))") == []


def test_a_build_loads_what_it_runs(tmp_path: Path) -> None:
    argv = ["build", str(TESTS / "fixtures" / "notes"), "--out", str(tmp_path / "out"),
            "--lock", str(tmp_path / "deckgen.lock"), "--json"]  # fmt: skip
    loaded, _ = run_app(argv)
    assert set(BUILT) <= set(loaded)
    assert list(tmp_path.glob("out/*.apkg"))


def test_a_build_that_finds_nothing_changed_loads_no_stage(tmp_path: Path) -> None:
    """The build that finds its notes, settings and lock as the last one left them reads no note
    and writes nothing, so it loads none of the stages (`build/run.py` imports them after that
    check): what `deckgen build` costs when nothing changed is finding and looking at the notes."""
    argv = ["build", str(TESTS / "fixtures" / "notes"), "--out", str(tmp_path / "out"),
            "--lock", str(tmp_path / "deckgen.lock"), "--json"]  # fmt: skip
    loaded, printed = run_app(argv)
    assert json.loads(printed)["skipped"] is False and set(BUILT) <= set(loaded)  # every stage
    loaded, printed = run_app(argv)
    assert json.loads(printed)["skipped"] is True
    stages = {*BUILT, "deckgen.identity.match", "deckgen.notes"} - {"deckgen.build.run"}  # (run is light)
    assert [m for m in loaded if m in stages] == []


def test_preview_why_loads_no_writer_and_no_network() -> None:
    """`preview --why` reads and ranks one note: no package writer (genanki), no download
    modules (`notes/remote.py` imports them at its first download)."""
    loaded, _ = run_app(["preview", str(REFERENCE), "--why"])
    assert "deckgen.cards.claims" in loaded
    assert [m for m in loaded if m in ("deckgen.write.apkg", "genanki", "http.client", "ssl")] == []


@pytest.mark.parametrize(
    "first",
    ["import deckgen.build.run", "from deckgen.build import build", "import deckgen.cli", "import deckgen"],
)
def test_deckgen_build_is_the_function_whatever_was_imported_first(first: str) -> None:
    """`deckgen.build` names both the subpackage and the API's function: importing the
    subpackage must not leave `deckgen.build` the module."""
    code = f"""
{first}
import types
import deckgen
from deckgen import BuildResult, build
print(json.dumps([isinstance(build, types.FunctionType), deckgen.build is build,
                  BuildResult is sys.modules["deckgen.build.run"].BuildResult]))
"""
    assert fresh(code) == [True, True, True]


def test_the_api_names_resolve(tmp_path: Path) -> None:
    """Every name of `__all__` is there (and listed by dir()); `deckgen.build` builds."""
    assert set(deckgen.__all__) <= set(dir(deckgen))
    for name in deckgen.__all__:
        assert getattr(deckgen, name) is not None
    with pytest.raises(AttributeError, match="no_such_name"):
        deckgen.no_such_name  # noqa: B018
    result = deckgen.build(
        [TESTS / "fixtures" / "notes"], tmp_path / "out", deckgen.Config(), 0,
        deckgen.BuildOptions(write=False),
    )  # fmt: skip
    assert isinstance(result, deckgen.BuildResult) and result.cards > 0
