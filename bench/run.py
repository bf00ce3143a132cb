"""Benchmark deckgen: cold builds, one-note rebuilds, watch, start-up and the stage split, against
the targets.

    python bench/run.py                     # sample, 5k/10k/21k generated vaults, rebuilds, watch, stages
    python bench/run.py --quick             # the same with one 2k generated vault
    python bench/run.py --vault DIR         # the same on a folder of real notes instead of generated ones

Every scenario runs in a fresh process: wall time includes interpreter start; CPU time is the
child's user+sys and max RSS the largest process's, both from `os.wait4`; memory is the peak of
the PSS summed over the child and all its descendants (`procs.py`). Prints Markdown tables and
writes JSON (`bench/results.json`, `results-quick.json` or `results-vault.json`); every result
carries the command line that produced it.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shlex
import shutil
import statistics
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
from procs import Child, child_env, deckgen_cmd, deckgen_python, run_child, shown
from vaults import Pick, changed, edited, package_stats, picks, restore_left_edit
from watching import watch_edits

BENCH = Path(__file__).resolve().parent
CACHE = Path(tempfile.gettempdir()) / "deckgen-bench"
WATCH_TIMEOUT = 60
"""Seconds a save under watch may take to reach its package before it counts as a failure."""
STARTUP_RUNS = 5
NOTES_MB = 1_000_000
"""MB of notes are decimal, as `generate.py --megabytes` and the real vault's 166 MB; memory is in MiB."""


@dataclass(frozen=True, slots=True)
class Target:
    """A limit for the figures of a scenario."""

    wall: float | None = None
    memory_mb: float | None = None
    """The peak PSS summed over all the scenario's processes."""
    cpu_per_mb: float | None = None
    """CPU seconds per MB of notes."""

    def check(self, wall: float | None, memory_mb: float | None, cpu_per_mb: float | None) -> bool | None:
        """True if every set limit holds, None if there are none; a missing figure fails its limit."""
        pairs = [(self.wall, wall), (self.memory_mb, memory_mb), (self.cpu_per_mb, cpu_per_mb)]
        checks = [value is not None and value <= limit for limit, value in pairs if limit is not None]
        return all(checks) if checks else None

    def __str__(self) -> str:
        parts = []
        if self.wall is not None:
            parts.append(f"≤ {self.wall:g} s")
        if self.cpu_per_mb is not None:
            parts.append(f"≤ {self.cpu_per_mb:g} CPU s/MB")
        if self.memory_mb is not None:
            parts.append(f"≤ {self.memory_mb / 1024:g} GB memory")
        return ", ".join(parts) or "—"


COLD = Target(cpu_per_mb=10, memory_mb=1024)
"""A cold build of a vault: ≤ 10 CPU s per MB of notes, ≤ 1 GB summed over all processes."""
ONE_NOTE, UNCHANGED, UNDER_WATCH, STARTUP = Target(wall=2), Target(wall=0.5), Target(wall=1), Target(wall=0.3)


@dataclass(frozen=True, slots=True)
class Result:
    """One measured scenario."""

    scenario: str
    notes: int
    wall_s: float | None
    cpu_s: float
    peak_rss_mb: float
    """The largest single process's max RSS (`wait4`)."""
    exit_code: int
    target: str
    ok: bool | None
    cards: int | None = None
    note: str = ""
    memory_mb: float | None = None
    """The peak PSS summed over the child and all its descendants."""
    mb: float | None = None
    """MB of notes read (cold builds)."""
    cpu_s_per_mb: float | None = None
    edited: str = ""
    """The note a one-note scenario edited."""
    command: str = ""
    """The command line that produced the figures."""


def measured(
    name: str, child: Child, target: Target, notes_dir: Path | None, *, per_mb: bool = False, note: str = "",
    cards: int | None = None, edited_note: str = "",
) -> Result:  # fmt: skip
    """A result from one child's figures; a child that failed fails its target."""
    notes, megabytes = vault_size(notes_dir) if notes_dir else (0, 0.0)
    cpu_per_mb = round(child.cpu / megabytes, 2) if per_mb and megabytes else None
    if child.code != 0:
        note = f"exit {child.code}" + (f"; {note}" if note else "")
    ok = target.check(child.wall, child.pss_mb, cpu_per_mb) if child.code == 0 else False
    return Result(
        name, notes, round(child.wall, 3), round(child.cpu, 2), round(child.rss_mb, 1), child.code,
        str(target), ok, cards, note, round(child.pss_mb, 1), round(megabytes, 2) if per_mb else None,
        cpu_per_mb, edited_note, child.command,
    )  # fmt: skip


@functools.cache
def vault_size(notes_dir: Path) -> tuple[int, float]:
    """How many notes, and how many MB of them, a folder holds (before any edit)."""
    paths = note_paths(notes_dir)
    return len(paths), sum(p.stat().st_size for p in paths) / NOTES_MB


@functools.cache
def has_lock_option() -> bool:
    """Whether `deckgen build` keeps a lock file (then each output folder gets its own)."""
    done = subprocess.run([*deckgen_cmd(), "build", "--help"], capture_output=True, text=True, check=False)
    return "--lock" in done.stdout


def build_cmd(notes_dir: Path, out: Path) -> list[str]:
    """`deckgen build NOTES --out OUT --json [--lock OUT.lock]`."""
    cmd = [*deckgen_cmd(), "build", str(notes_dir), "--out", str(out), "--json"]
    return cmd + (["--lock", str(lock_for(out))] if has_lock_option() else [])


def log_for(args: argparse.Namespace, name: str) -> Path:
    return args.cache / "logs" / (re.sub(r"[^\w.-]+", "_", name) + ".log")


def build_once(
    name: str, notes_dir: Path, out: Path, target: Target, args: argparse.Namespace, *, per_mb: bool = False,
    edited_note: Path | None = None,
) -> Result:  # fmt: skip
    """One `deckgen build NOTES --out OUT --json` in a fresh process; the lock sits beside OUT.
    With `edited_note`, the note says how many of its cards changed."""
    log = log_for(args, name)
    child = run_child(build_cmd(notes_dir, out), args.timeout, log)
    doc = _document(child.stdout)
    note = f"killed after --timeout {args.timeout:g} s" if child.code == -9 else ""
    if child.code != 0:
        note = note or f"see {log}"
    rel = edited_note.relative_to(notes_dir).as_posix() if edited_note else ""
    result = measured(name, child, target, notes_dir, per_mb=per_mb, note=note, cards=doc.get("cards"),
                      edited_note=rel)  # fmt: skip
    if doc.get("skipped"):
        result = replace(result, note=result.note or "nothing to do (state unchanged)")
    if edited_note is not None and child.code == 0:
        mine = [c["action"] for c in doc.get("changes", []) if c.get("path") == rel]
        counts = ", ".join(f"{mine.count(a)} {a}" for a in sorted(set(mine)))
        if not mine:  # then no package had to change: not the rebuild this scenario is about
            return replace(result, ok=False, note="the edit changed no card")
        result = replace(result, note=f"cards of the note: {counts}")
    return result


def _document(stdout: str) -> dict[str, Any]:
    try:
        doc = json.loads(stdout)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


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
    out = fresh_out(args, "sample")
    return [build_once("a sample cold", args.corpus, out, Target(wall=0.85), args, per_mb=True)]


def scenario_startup(args: argparse.Namespace) -> list[Result]:
    """(s) `deckgen push --help` and `deckgen build --help`, each in a fresh process: the median
    and best of `STARTUP_RUNS`."""
    results = []
    for command, target in (("push", STARTUP), ("build", Target())):
        print(f"… (s) deckgen {command} --help × {STARTUP_RUNS}", file=sys.stderr)
        name = f"s start-up {command} --help"
        runs = [
            run_child([*deckgen_cmd(), command, "--help"], 60, log_for(args, name))
            for _ in range(STARTUP_RUNS)
        ]
        walls = sorted(r.wall for r in runs)
        median = min(runs, key=lambda r: abs(r.wall - statistics.median(walls)))
        note = f"median of {STARTUP_RUNS}; best {walls[0]:.3f} s, worst {walls[-1]:.3f} s"
        failed = next((r for r in runs if r.code != 0), None)
        results.append(measured(name, failed or median, target, None, note=note))
    return results


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
        print(f"… (b) cold build, {n} notes", file=sys.stderr)
        out = fresh_out(args, f"vault-{n}")
        results.append(build_once(f"b vault {n} cold", vault(args, n), out, COLD, args, per_mb=True))
    return results


def scenario_real(args: argparse.Namespace) -> tuple[list[Result], dict[str, Any]]:
    """(b) a cold build of the real vault `--vault`, then its one-note scenarios."""
    notes_dir: Path = args.vault
    notes, megabytes = vault_size(notes_dir)
    print(f"… (b) cold build of {notes_dir}: {notes:,} notes, {megabytes:.1f} MB", file=sys.stderr)
    out = fresh_out(args, "real")
    cold = build_once("b vault cold", notes_dir, out, COLD, args, per_mb=True)
    results, chosen = one_note(args, "vault", notes_dir, out)
    return [cold, *results], chosen


def one_note(
    args: argparse.Namespace, label: str, notes_dir: Path, out: Path
) -> tuple[list[Result], dict[str, Any]]:
    """(c) a rebuild after editing one note, in the largest and in the middle source (`vaults.py`),
    (d) a rebuild with nothing changed, then (w) the same edits under `deckgen watch`; all into
    `out`, the (b) output. Each edited note is put back (bytes and times) and the output built
    again, unmeasured, before the next scenario."""
    if not out.is_dir():
        build_once("warm-up", notes_dir, out, Target(), args)
    chosen = picks(notes_dir)
    results, packages = [], {}
    for pick in chosen:
        rel = pick.path.relative_to(notes_dir).as_posix()
        print(
            f"… (c) rebuild after editing {rel} ({pick.label()}, {pick.source_notes:,} notes)",
            file=sys.stderr,
        )
        before = package_stats(out)
        with edited(pick.path, args.cache):
            name = f"c {label} one note edited, {pick.label()}"
            result = build_once(name, notes_dir, out, ONE_NOTE, args, edited_note=pick.path)
        packages[pick] = changed(before, package_stats(out))
        written = ", ".join(p.name for p in packages[pick]) or "no package"
        command = f"{result.command}  # after appending vaults.EDIT to the note"
        results.append(replace(result, note=f"{result.note}; {written} written", command=command))
        run_child(build_cmd(notes_dir, out), args.timeout, log_for(args, f"{name} put back"))
    print(f"… (d) rebuild, nothing changed × {STARTUP_RUNS}", file=sys.stderr)
    runs = [build_once(f"d {label} unchanged", notes_dir, out, UNCHANGED, args) for _ in range(STARTUP_RUNS)]
    walls = sorted(r.wall_s for r in runs)
    median = min(runs, key=lambda r: abs(r.wall_s - statistics.median(walls)))
    note = f"{median.note}; median of {len(runs)}: best {walls[0]:.2f} s, worst {walls[-1]:.2f} s"
    results.append(replace(median, note=note))
    if not args.no_watch:
        results += scenario_watch(args, label, notes_dir, out, chosen, packages)
    info = {p.role: {"source": p.source, "source_notes": p.source_notes,
                     "note": p.path.relative_to(notes_dir).as_posix()} for p in chosen}  # fmt: skip
    return results, info


def scenario_watch(
    args: argparse.Namespace, label: str, notes_dir: Path, out: Path, chosen: Sequence[Pick],
    packages: dict[Pick, list[Path]],
) -> list[Result]:  # fmt: skip
    """(w) the (c) edits saved while `deckgen watch` runs on the same output: save to package in place."""
    print("… (w) deckgen watch: the same edits, save to package in place", file=sys.stderr)
    cmd = [*deckgen_cmd(), "watch", str(notes_dir), "--out", str(out), "--lock", str(lock_for(out))]
    run = watch_edits(cmd, chosen, packages, out, args.cache, WATCH_TIMEOUT, args.timeout)
    notes = vault_size(notes_dir)[0]
    first = f"first build {run.first_build_s:.2f} s" if run.first_build_s is not None else ""
    base = Result(f"w {label} watch", notes, None, 0.0, round(run.rss_mb, 1), run.code, str(UNDER_WATCH),
                  False, None, run.failure or first, round(run.pss_mb, 1), command=run.command)  # fmt: skip
    if not run.edits:
        return [base]
    results = []
    for e in run.edits:
        what = "first save after start" if e.first else "one note edited"
        wall = round(e.seconds, 3) if e.seconds is not None else None
        ok = UNDER_WATCH.check(wall, run.pss_mb, None) if not e.failure else False
        written = ", ".join(p.name for p in e.packages)
        said = (e.failure, f"{written} in place" if written else "", first if e.first else "")
        note = "; ".join(x for x in said if x)
        results.append(replace(
            base, scenario=f"w {label} watch, {what}, {e.pick.label()}", wall_s=wall,
            cpu_s=round(e.cpu, 2), ok=ok, note=note, edited=e.pick.path.relative_to(notes_dir).as_posix(),
            command=f"{run.command}  # then append vaults.EDIT to the note",
        ))  # fmt: skip
    return results


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
    results = [sheet_once("f sheet sample cold", sheet, notes, Target(wall=60, memory_mb=1024), args)]
    with edited.open("a", encoding="utf-8") as f:
        f.write(SHEET_EDIT.format(n=1234))
    print(f"… (f) sheets after editing {edited.name}", file=sys.stderr)
    results.append(sheet_once("f sheet one note edited", sheet, notes, Target(wall=5), args))
    run_child(build, args.timeout, log_for(args, "f warm-up"))  # the note cache, packages
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
    log = log_for(args, name)
    child = run_child(cmd, args.timeout, log)
    cards = re.search(r"(\d[\d,]*) cards", child.stdout)
    written = re.search(r"\((\d+) written", child.stdout)
    note = f"{written[1]} sheet files written" if written else ""
    if child.code != 0:
        note = f"see {log}"
    return measured(
        name, child, target, notes, note=note, cards=int(cards[1].replace(",", "")) if cards else None
    )


def scenario_stages(args: argparse.Namespace) -> dict[str, Any]:
    """(e) the per-stage split, in a fresh process per vault."""
    dirs = {"a sample": args.corpus} if args.corpus.is_dir() else {}
    if args.vault:
        dirs["b vault"] = args.vault
    else:
        dirs[f"b vault {args.sizes[-1]}"] = vault(args, args.sizes[-1])
    split: dict[str, Any] = {}
    for name, notes_dir in dirs.items():
        print(f"… (e) stage split, {name}", file=sys.stderr)
        out = fresh_out(args, f"stages-{name.replace(' ', '-')}")
        cmd = [sys.executable, str(BENCH / "stages.py"), str(notes_dir), "--out", str(out)]
        child = run_child(cmd, args.timeout, log_for(args, f"stages {name}"))
        try:
            split[name] = json.loads(child.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            split[name] = {"error": f"exit {child.code}; see {args.cache / 'logs'}"}
        split[name]["peak_rss_mb"] = round(child.rss_mb, 1)
        split[name]["memory_mb"] = round(child.pss_mb, 1)
        split[name]["command"] = child.command
    return split


def results_table(results: Sequence[Result]) -> str:
    """The scenarios as a Markdown table."""
    lines = [
        "| scenario | notes | MB | cards | wall s | CPU s | CPU s/MB | max RSS MB | memory MB | target "
        "| pass |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]

    def num(value: float | int | None, spec: str) -> str:
        return "—" if value is None else format(value, spec)

    for r in results:
        verdict = {True: "pass", False: "**FAIL**", None: "—"}[r.ok] + (f" ({r.note})" if r.note else "")
        lines.append(
            f"| {r.scenario} | {num(r.notes or None, ',')} | {num(r.mb, ',.1f')} | {num(r.cards, ',')} | "
            f"{num(r.wall_s, '.2f')} | {r.cpu_s:.2f} | {num(r.cpu_s_per_mb, '.2f')} | {r.peak_rss_mb:,.0f} | "
            f"{num(r.memory_mb, ',.0f')} | {r.target} | {verdict} |"
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
    for key, label in (("peak_rss_mb", "max RSS"), ("memory_mb", "memory (all processes)")):
        peaks = " | ".join(f"{split[n].get(key, '—')} MB | | " for n in names)
        lines.append(f"| {label} | {peaks}|")
    return "\n".join(lines)


def _stage_cells(value: Any, total: Any) -> str:
    if isinstance(value, dict):
        share = 100 * value["cpu"] / total["cpu"] if isinstance(total, dict) and total["cpu"] else 0
        return f"{value['wall']:.2f} | {value['cpu']:.2f} | {share:.0f}%"
    return f"{value or '—'} | | "


def machine() -> dict[str, Any]:
    """Where and on what code the figures were taken: the commit is that of the checkout whose
    `deckgen` package the children import (with `+dirty src` when its src/ has changes)."""
    return {
        "python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
        **measured_code(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }  # fmt: skip


def measured_code() -> dict[str, str]:
    """Which `deckgen` the children run: the package file their Python imports, and its commit."""
    probe = "import deckgen, pathlib; print(pathlib.Path(deckgen.__file__).resolve())"
    done = subprocess.run([*deckgen_python(), "-c", probe], capture_output=True, text=True, env=child_env(),
                          check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the deckgen script's Python cannot import deckgen: {done.stderr.strip()}")
    package = Path(done.stdout.strip()).parent
    commit = _git(package, "rev-parse", "--short", "HEAD")
    if not commit:
        return {"deckgen": shown(str(package)), "commit": "unknown (not in a git checkout)"}
    top = Path(_git(package, "rev-parse", "--show-toplevel"))
    dirty = _git(top, "status", "--porcelain", "--", "src")
    return {"deckgen": shown(str(package)), "commit": commit + ("+dirty src" if dirty else "")}


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--quick", action="store_true", help="sample, a 2,000-note vault and its rebuilds")
    parser.add_argument(
        "--vault",
        type=Path,
        default=None,
        help="a folder of real notes: (b)-(e) and (w) run on it instead of generated vaults",
    )
    parser.add_argument("--sizes", default=None, help="vault sizes for (b) (default 5000,10000,21000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON results")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the real sample for (a)")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"vaults, outputs, logs (default {CACHE})")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a scenario is killed")
    parser.add_argument("--no-stages", action="store_true", help="skip (e), the in-process stage split")
    parser.add_argument("--no-sheet", action="store_true", help="skip (f), the study sheets")
    parser.add_argument("--sheet-only", action="store_true", help="run only (f), the study sheets")
    parser.add_argument("--no-watch", action="store_true", help="skip (w), the edits under deckgen watch")
    args = parser.parse_args(argv)
    default = "2000" if args.quick else "5000,10000,21000"
    args.sizes = sorted(int(s) for s in (args.sizes or default).split(","))
    if args.vault is not None:
        args.vault = args.vault.resolve()
        if not args.vault.is_dir():
            parser.error(f"--vault {args.vault}: not a folder")
    name = "results-sheet.json" if args.sheet_only else "results-quick.json" if args.quick else "results.json"
    name = "results-vault.json" if args.vault and not args.sheet_only else name
    args.json = args.json or BENCH / name
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    restore_left_edit(args.cache)
    info = machine()
    chosen: dict[str, Any] = {}
    if args.sheet_only:
        results = scenario_sheet(args)
    else:
        results = scenario_startup(args) + scenario_sample(args)  # start-up first, on an idle machine
        if args.vault:
            real, chosen = scenario_real(args)
            results += real
        else:
            results += scenario_sizes(args)
            n = args.sizes[-1]
            rebuilds, chosen = one_note(args, f"vault {n}", vault(args, n), args.cache / "out" / f"vault-{n}")
            results += rebuilds
        results += [] if args.no_sheet else scenario_sheet(args)
    load = info["load_average_at_start"]
    print(f"\n{info['date']} · deckgen {info['commit']} · {info['cpus']} CPUs · load {load}\n")
    print(results_table(results))
    split = {} if args.no_stages or args.sheet_only else scenario_stages(args)
    if split:
        print("\nPer-stage split (in-process, one fresh process per vault):\n")
        print(stages_table(split))
    pythonpath = (
        f"PYTHONPATH={shlex.quote(os.environ['PYTHONPATH'])} " if os.environ.get("PYTHONPATH") else ""
    )
    cwd = os.path.relpath(os.getcwd(), BENCH.parent)  # from the checkout's top: '.'
    bench = {"command": pythonpath + shlex.join(shown(w) for w in [sys.executable, *sys.argv]), "cwd": cwd}
    report = {"bench": bench, "machine": info, "vault": vault_info(args, chosen),
              "results": [asdict(r) for r in results], "stages": split}  # fmt: skip
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nJSON: {args.json}")
    return 0


def vault_info(args: argparse.Namespace, chosen: dict[str, Any]) -> dict[str, Any]:
    """The vault the (b)-(d) and (w) scenarios ran on, and the notes they edited."""
    if args.sheet_only:
        return {}
    notes_dir = args.vault or vault(args, args.sizes[-1])
    notes, megabytes = vault_size(notes_dir)
    kind = "real" if args.vault else "generated"
    return {
        "path": shown(str(notes_dir)),
        "kind": kind,
        "notes": notes,
        "mb": round(megabytes, 2),
        "edited": chosen,
    }


if __name__ == "__main__":
    sys.exit(main())
