"""Benchmark deckgen: cold builds, rebuilds and the per-stage split, against the targets.

    python bench/run.py            # full run: sample, 5k/10k/21k vaults, rebuilds, stages
    python bench/run.py --quick    # sample, a 2k vault, its rebuilds, stages

Every scenario runs in a fresh process; wall time includes interpreter start, CPU time is the
child's user+sys and peak memory its max RSS, both from `os.wait4`. Prints Markdown tables and
writes JSON (`bench/results.json`, or `bench/results-quick.json` with --quick).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import DEFAULT_CORPUS, ensure_vault, note_paths, resolve_corpus

BENCH = Path(__file__).resolve().parent
CACHE = Path(tempfile.gettempdir()) / "deckgen-bench"
NOW = "1700000000"  # SOURCE_DATE_EPOCH: same input, same output
EDIT = (
    "\nThe benchmark edit adds one more sentence with a timestamp to this note "
    '<a class="yt-timestamp" data-t="01:23:45">[01:23:45]</a>.\n'
)
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Target:
    """A limit for one figure of a scenario."""

    wall: float | None = None
    rss_mb: float | None = None

    def check(self, wall: float, rss_mb: float) -> bool | None:
        """True if every set limit holds, None if there are none."""
        checks = []
        if self.wall is not None:
            checks.append(wall <= self.wall)
        if self.rss_mb is not None:
            checks.append(rss_mb <= self.rss_mb)
        return all(checks) if checks else None

    def __str__(self) -> str:
        parts = []
        if self.wall is not None:
            parts.append(f"≤ {self.wall:g} s")
        if self.rss_mb is not None:
            parts.append(f"≤ {self.rss_mb / 1024:g} GB RSS")
        return ", ".join(parts) or "—"


@dataclass(frozen=True, slots=True)
class Result:
    """One measured scenario."""

    scenario: str
    notes: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_code: int
    target: str
    ok: bool | None
    cards: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Child:
    """What one child process cost."""

    wall: float
    cpu: float
    rss_mb: float
    code: int
    stdout: str


def run_child(cmd: Sequence[str], timeout: float, log: Path) -> Child:
    """Run `cmd` and measure it alone: `wait4` gives this child's rusage, not all children's."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": NOW}
    cwd = log.parent.parent / "cwd"  # whatever a child writes by default lands in the cache
    cwd.mkdir(parents=True, exist_ok=True)
    with log.open("w") as err, tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        pid, status, usage = _wait(proc, start + timeout)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status) if pid else -signal.SIGKILL
        out.seek(0)
        stdout = out.read()
    # Linux reports ru_maxrss in KB.
    return Child(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, stdout)


def _wait(proc: subprocess.Popen[Any], deadline: float) -> tuple[int, int, Any]:
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return pid, status, usage
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return 0, status, usage
        time.sleep(0.02)


def deckgen_cmd() -> list[str]:
    """The installed `deckgen` script next to this Python (or on PATH)."""
    script = Path(sys.executable).parent / "deckgen"
    found = str(script) if script.exists() else shutil.which("deckgen")
    if not found:
        raise SystemExit("deckgen is not installed in this Python — pip install -e . first")
    return [found]


@functools.cache
def has_lock_option() -> bool:
    """Whether `deckgen build` keeps a lock file (then each output folder gets its own)."""
    done = subprocess.run([*deckgen_cmd(), "build", "--help"], capture_output=True, text=True, check=False)
    return "--lock" in done.stdout


def build_once(name: str, notes_dir: Path, out: Path, target: Target, args: argparse.Namespace) -> Result:
    """One `deckgen build NOTES --out OUT --json` in a fresh process; the lock sits beside OUT."""
    log = args.cache / "logs" / f"{name.replace(' ', '_').replace('/', '_')}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [*deckgen_cmd(), "build", str(notes_dir), "--out", str(out), "--json"]
    if has_lock_option():
        cmd += ["--lock", str(lock_for(out))]
    child = run_child(cmd, args.timeout, log)
    cards = _cards(child.stdout)
    note = "" if child.code == 0 else f"exit {child.code}, see {log}"
    if child.code == -signal.SIGKILL:
        note = f"killed after --timeout {args.timeout:g} s"
    return Result(
        name, len(note_paths(notes_dir)), round(child.wall, 2), round(child.cpu, 2), round(child.rss_mb, 1),
        child.code, str(target), target.check(child.wall, child.rss_mb) if child.code == 0 else False,
        cards, note,
    )  # fmt: skip


def _cards(stdout: str) -> int | None:
    try:
        return int(json.loads(stdout)["cards"])
    except (ValueError, KeyError, TypeError):
        return None


def lock_for(out: Path) -> Path:
    """The lock file that belongs to the output folder `out`."""
    return out.with_name(f"{out.name}.lock")


def fresh_out(args: argparse.Namespace, name: str) -> Path:
    """An empty output folder, and no lock, for a cold build."""
    out = args.cache / "out" / name
    shutil.rmtree(out, ignore_errors=True)
    lock_for(out).unlink(missing_ok=True)
    shutil.rmtree(
        lock_for(out).with_name(f"{lock_for(out).name}.d"), ignore_errors=True
    )  # format 2's entries
    return out


def scenario_sample(args: argparse.Namespace) -> list[Result]:
    """(a) a cold build of the shared sample."""
    if not args.corpus.is_dir():
        print(f"(a) skipped: {args.corpus} is absent", file=sys.stderr)
        return []
    # A tenth of markdown-anki-decks' 8.3 s on this sample, measured side by side on this machine.
    return [build_once("a sample cold", args.corpus, fresh_out(args, "sample"), Target(wall=0.85), args)]


REAL_VAULT = (21_000, 166)
"""The vault the targets are measured on, the size and shape of the real one they were set on
(21,273 notes, 166 MB): notes, and megabytes in all, 7.9 kB a note where the sample's notes
average 10 kB. Every generated vault has its mean note size."""


def vault(args: argparse.Namespace, notes: int) -> Path:
    """The cached generated vault of `notes` notes (made on first use), of the real vault's mean
    note size."""
    megabytes = round(notes * REAL_VAULT[1] / REAL_VAULT[0], 1)
    path = args.cache / f"vault-{notes}-seed{args.seed}-{megabytes:g}MB"
    print(f"… vault of {notes} notes, {megabytes:g} MB, in {path}", file=sys.stderr)
    return ensure_vault(path, notes, args.seed, resolve_corpus(None), megabytes)


def scenario_sizes(args: argparse.Namespace) -> list[Result]:
    """(b) cold builds of generated vaults, smallest first."""
    results = []
    for n in args.sizes:
        target = Target(wall=60, rss_mb=1.5 * 1024) if n >= 20_000 else Target()
        print(f"… (b) cold build, {n} notes", file=sys.stderr)
        out = fresh_out(args, f"vault-{n}")
        results.append(build_once(f"b vault {n} cold", vault(args, n), out, target, args))
    return results


def scenario_rebuilds(args: argparse.Namespace) -> list[Result]:
    """(c) a rebuild after editing one note, then (d) one with nothing changed, into the (b) output."""
    n = args.sizes[-1]
    notes_dir, out = vault(args, n), args.cache / "out" / f"vault-{n}"
    if not out.is_dir():
        build_once("warm-up", notes_dir, out, Target(), args)
    edited = note_paths(notes_dir)[n // 2]
    original = edited.read_bytes()
    try:
        edited.write_bytes(original + EDIT.encode())
        print(f"… (c) rebuild after editing {edited.name}", file=sys.stderr)
        c = build_once(f"c vault {n} one note edited", notes_dir, out, Target(wall=2), args)
        print("… (d) rebuild, nothing changed", file=sys.stderr)
        d = build_once(f"d vault {n} unchanged", notes_dir, out, Target(wall=1), args)
    finally:
        edited.write_bytes(original)  # the cached vault stays as generated
    return [c, d]


SHEET_EDIT = (
    "\n## Benchmark\n\nThe benchmark edit counted about {n:,} study cards in one afternoon "
    '<a class="yt-timestamp" data-t="00:42:00">[00:42:00]</a>.\n'
)


def scenario_sheet(args: argparse.Namespace) -> list[Result]:
    """(f) study sheets (HTML + PDF) of the sample: cold, then after editing one note, with
    `deckgen sheet` (which reads notes without the build's cache) and with `build --sheets`."""
    if not args.corpus.is_dir():
        print(f"(f) skipped: {args.corpus} is absent", file=sys.stderr)
        return []
    notes = args.cache / "sheet-notes"  # a copy: the shared sample is never edited
    shutil.rmtree(notes, ignore_errors=True)
    shutil.copytree(args.corpus, notes)
    out = fresh_out(args, "sheet")
    # The smallest note with timestamps: far below the card cap, so the edit becomes a card.
    stamped = [p for p in note_paths(notes) if "data-t=" in p.read_text(encoding="utf-8", errors="replace")]
    edited = min(stamped, key=lambda p: (p.stat().st_size, p.name))
    sheet = [*deckgen_cmd(), "sheet", str(notes), "--out", str(out)]
    build = [*deckgen_cmd(), "build", str(notes), "--out", str(out), "--sheets", "--lock", str(lock_for(out))]
    print("… (f) sheets of the sample, cold", file=sys.stderr)
    results = [sheet_once("f sheet sample cold", sheet, notes, Target(wall=60, rss_mb=1024), args)]
    with edited.open("a", encoding="utf-8") as f:
        f.write(SHEET_EDIT.format(n=1234))
    print(f"… (f) sheets after editing {edited.name}", file=sys.stderr)
    results.append(sheet_once("f sheet one note edited", sheet, notes, Target(wall=5), args))
    run_child(build, args.timeout, args.cache / "logs" / "f_warm-up.log")  # the note cache, packages
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace(SHEET_EDIT.format(n=1234), SHEET_EDIT.format(n=5678)), encoding="utf-8")
    print("… (f) build --sheets after editing it again", file=sys.stderr)
    whole = out / "sheets" / "all.pdf"
    before = whole.stat().st_mtime_ns
    result = sheet_once("f build --sheets one note edited", build, notes, Target(wall=5), args)
    rewritten = whole.stat().st_mtime_ns != before
    results.append(
        replace(result, note=result.note or ("all.pdf rewritten" if rewritten else "all.pdf unchanged"))
    )
    return results


def sheet_once(name: str, cmd: list[str], notes: Path, target: Target, args: argparse.Namespace) -> Result:
    """One sheet-writing command in a fresh process; the note says how many sheet files it wrote."""
    log = args.cache / "logs" / f"{name.replace(' ', '_')}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    child = run_child(cmd, args.timeout, log)
    cards = re.search(r"(\d[\d,]*) cards", child.stdout)
    written = re.search(r"\((\d+) written", child.stdout)
    note = f"{written[1]} sheet files written" if written else ""
    if child.code != 0:
        note = f"exit {child.code}, see {log}"
    return Result(
        name, len(note_paths(notes)), round(child.wall, 2), round(child.cpu, 2),
        round(child.rss_mb, 1), child.code, str(target),
        target.check(child.wall, child.rss_mb) if child.code == 0 else False,
        int(cards[1].replace(",", "")) if cards else None, note,
    )  # fmt: skip


def scenario_stages(args: argparse.Namespace) -> dict[str, Any]:
    """(e) the per-stage split, in a fresh process per vault."""
    dirs = {"a sample": args.corpus} if args.corpus.is_dir() else {}
    dirs[f"b vault {args.sizes[-1]}"] = vault(args, args.sizes[-1])
    split: dict[str, Any] = {}
    for name, notes_dir in dirs.items():
        print(f"… (e) stage split, {name}", file=sys.stderr)
        out = fresh_out(args, f"stages-{name.replace(' ', '-')}")
        cmd = [sys.executable, str(BENCH / "stages.py"), str(notes_dir), "--out", str(out)]
        child = run_child(cmd, args.timeout, args.cache / "logs" / f"stages-{name.replace(' ', '_')}.log")
        try:
            split[name] = json.loads(child.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            split[name] = {"error": f"exit {child.code}; see {args.cache / 'logs'}"}
        split[name]["peak_rss_mb"] = round(child.rss_mb, 1)
    return split


def results_table(results: Sequence[Result]) -> str:
    """The scenarios as a Markdown table."""
    lines = [
        "| scenario | notes | cards | wall s | CPU s | peak RSS MB | target | pass |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        verdict = {True: "pass", False: "**FAIL**", None: "—"}[r.ok] + (f" ({r.note})" if r.note else "")
        cards = "—" if r.cards is None else f"{r.cards:,}"
        lines.append(
            f"| {r.scenario} | {r.notes:,} | {cards} | {r.wall_s:.2f} | {r.cpu_s:.2f} | "
            f"{r.peak_rss_mb:,.0f} | {r.target} | {verdict} |"
        )
    return "\n".join(lines)


def stages_table(split: dict[str, Any]) -> str:
    """The per-stage split as a Markdown table: wall / CPU seconds and share of the total CPU."""
    names = list(split)
    stages = [
        "import",
        "find",
        "read+parse",
        "rules+rank+faces",
        "reconcile",
        "group",
        "write",
        "total",
    ]
    lines = ["| stage | " + " | ".join(f"{n} wall s | CPU s | CPU %" for n in names) + " |"]
    lines.append("|---|" + "---:|---:|---:|" * len(names))
    for stage in stages:
        cells = [_stage_cells(split[n].get(stage), split[n].get("total")) for n in names]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    peaks = " | ".join(f"{split[n].get('peak_rss_mb', '—')} MB | | " for n in names)
    lines.append(f"| peak RSS | {peaks}|")
    return "\n".join(lines)


def _stage_cells(value: Any, total: Any) -> str:
    if isinstance(value, dict):
        share = 100 * value["cpu"] / total["cpu"] if isinstance(total, dict) and total["cpu"] else 0
        return f"{value['wall']:.2f} | {value['cpu']:.2f} | {share:.0f}%"
    return f"{value or '—'} | | "


def machine() -> dict[str, Any]:
    """Where and on what code the figures were taken."""
    repo = BENCH.parent
    commit = _git(repo, "rev-parse", "--short", "HEAD")
    dirty = _git(repo, "status", "--porcelain", "src")
    return {
        "python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
        "commit": commit + ("+dirty src" if dirty else ""),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }  # fmt: skip


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--quick", action="store_true", help="sample, a 2,000-note vault and its rebuilds")
    parser.add_argument("--sizes", default=None, help="vault sizes for (b) (default 5000,10000,21000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON results")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the real sample for (a)")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"vaults, outputs, logs (default {CACHE})")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a scenario is killed")
    parser.add_argument("--no-stages", action="store_true", help="skip (e), the in-process stage split")
    parser.add_argument("--no-sheet", action="store_true", help="skip (f), the study sheets")
    parser.add_argument("--sheet-only", action="store_true", help="run only (f), the study sheets")
    args = parser.parse_args(argv)
    default = "2000" if args.quick else "5000,10000,21000"
    args.sizes = sorted(int(s) for s in (args.sizes or default).split(","))
    name = "results-sheet.json" if args.sheet_only else "results-quick.json" if args.quick else "results.json"
    args.json = args.json or BENCH / name
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    info = machine()
    if args.sheet_only:
        results = scenario_sheet(args)
    else:
        results = scenario_sample(args) + scenario_sizes(args) + scenario_rebuilds(args)
        results += [] if args.no_sheet else scenario_sheet(args)
    load = info["load_average_at_start"]
    print(f"\n{info['date']} · commit {info['commit']} · {info['cpus']} CPUs · load {load}\n")
    print(results_table(results))
    split = {} if args.no_stages or args.sheet_only else scenario_stages(args)
    if split:
        print("\nPer-stage split (in-process, one fresh process per vault):\n")
        print(stages_table(split))
    report = {"machine": info, "results": [asdict(r) for r in results], "stages": split}
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
