"""The watch scenario: how long from saving a note until its package is in place under `deckgen watch`.

`deckgen watch NOTES --out OUT --lock LOCK` runs as one long child. Once its first build is done
(it prints "watching for changes") and it has gone quiet (its process tree uses under 5% of a
core for a second: the file watcher is set up), each picked note gets `vaults.EDIT` appended in
one write. From just before that write, the package the note's cards go into is polled every
`POLL_S` for a new (inode, mtime_ns): deckgen renames each package into place, so that is the
moment the new package can be imported. Then the rebuild's line is awaited, the note is put back
(bytes and times), the rebuild that causes is awaited too, and the next note follows. The first
note is saved twice: the first save after start pays for what watch's first rebuild loads. At the end
watch gets SIGINT (SIGKILL after 10 s).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from procs import PeakPss, child_env, command_line, cpu_ticks, ended, scratch, wait
from vaults import Pick, changed, edited, package_stats

POLL_S = 0.005
"""How often the package's stat is read after a save."""
QUIET_SHARE, QUIET_S = 0.05, 1.0
"""Watch is idle when its processes use less than this share of one core over this many seconds."""
BUILD_LINE = re.compile(r"^\d\d:\d\d:\d\d ", re.M)
"""Each build under watch prints one line starting with the time, on stdout or stderr."""
READY = "watching for changes"
TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class WatchEdit:
    """One save under watch."""

    pick: Pick
    seconds: float | None
    """From the save to the package in place; None when it did not happen."""
    cpu: float
    """CPU seconds watch used from the save until its rebuild's line."""
    packages: tuple[Path, ...]
    line: str
    """What watch printed for the rebuild."""
    failure: str = ""
    first: bool = False
    """The first save after watch started: it also pays for what the first rebuild loads (its
    first build found nothing changed). The same note is saved again, as the others are, after it."""


@dataclass(frozen=True, slots=True)
class WatchRun:
    """The whole watch session."""

    command: str
    first_build_s: float | None
    edits: tuple[WatchEdit, ...]
    rss_mb: float
    pss_mb: float
    code: int
    failure: str = ""


class Watching:
    """The running `deckgen watch` child and what it has printed so far."""

    def __init__(self, cmd: Sequence[str], logs: Path) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        self.out_path, self.err_path = logs / "w_watch.out", logs / "w_watch.log"
        self.extra = {"PYTHONUNBUFFERED": "1"}  # its lines reach the files as printed
        self.command = command_line(cmd, **self.extra)
        self.read, self.text = [0, 0], ["", ""]
        with self.out_path.open("w") as out, self.err_path.open("w") as err:
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=err, env=child_env(**self.extra), cwd=scratch(self.err_path)
            )

    def printed(self) -> str:
        """All it printed so far, stdout then stderr (read on from where the last call stopped)."""
        for i, path in enumerate((self.out_path, self.err_path)):
            with path.open("rb") as f:
                f.seek(self.read[i])
                more = f.read()
            self.read[i] += len(more)
            self.text[i] += more.decode(errors="replace")
        return self.text[0] + self.text[1]

    def builds(self) -> list[str]:
        """The build lines printed so far."""
        text = self.printed()
        return [text[m.start() :].split("\n", 1)[0] for m in BUILD_LINE.finditer(text)]

    def until(self, ready: str = "", builds: int = 0, timeout: float = 60) -> bool:
        """Wait until `ready` is printed and there are `builds` build lines; False on timeout or exit."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline and ended(self.proc) is None:
            if ready in self.printed() and len(self.builds()) >= builds:
                return True
            time.sleep(0.02)
        return False

    def quiet(self, limit: float) -> None:
        """Wait (up to `limit` s) until watch's processes idle."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline and ended(self.proc) is None:
            before = cpu_ticks(self.proc.pid)
            time.sleep(QUIET_S)
            if (cpu_ticks(self.proc.pid) - before) / TICK < QUIET_SHARE * QUIET_S:
                return

    def why_not(self, what: str) -> str:
        if (code := ended(self.proc)) is not None:
            return f"watch exited with code {code}; see {self.err_path}"
        return f"{what}; see {self.err_path}"


def watch_edits(
    cmd: Sequence[str], edits: Sequence[Pick], packages: Mapping[Pick, Sequence[Path]], out: Path,
    cache: Path, timeout: float, start_timeout: float,
) -> WatchRun:  # fmt: skip
    """Run `cmd` (a `deckgen watch`) and time each save of `edits`; `packages` names the
    packages each note's cards go into (when unknown, every package in `out` is polled)."""
    start = time.perf_counter()
    watching = Watching(cmd, cache / "logs")
    results: list[WatchEdit] = []
    first: float | None = None
    failure = ""
    with PeakPss(watching.proc.pid) as peak:
        try:
            if watching.until(READY, timeout=start_timeout):
                first = time.perf_counter() - start
                watching.quiet(60)
                for i, pick in enumerate([*edits[:1], *edits]):  # the first save twice: see `WatchEdit.first`
                    save = _one_save(watching, pick, packages.get(pick, ()), out, cache, timeout)
                    results.append(replace(save, first=i == 0))
            else:
                failure = watching.why_not(f"no first build within {start_timeout:g} s")
        finally:
            if ended(watching.proc) is None:
                watching.proc.send_signal(signal.SIGINT)
            code, usage = wait(watching.proc, 10)
    return WatchRun(watching.command, first, tuple(results), usage.ru_maxrss / 1024, peak.mb, code, failure)


def _one_save(
    watching: Watching, pick: Pick, packages: Sequence[Path], out: Path, cache: Path, timeout: float
) -> WatchEdit:
    """Save an edit to `pick`, time it to its package in place, put the note back, wait for
    that rebuild too."""

    count = len(watching.builds())
    before = package_stats(out, packages)
    seconds: float | None = None
    written: list[Path] = []
    ticks = cpu_ticks(watching.proc.pid)
    with edited(pick.path, cache) as saved_at:
        while time.perf_counter() - saved_at < timeout and ended(watching.proc) is None:
            if written := changed(before, package_stats(out, packages)):
                seconds = time.perf_counter() - saved_at
                break
            time.sleep(POLL_S)
        built = watching.until(builds=count + 1, timeout=timeout)
        cpu = (cpu_ticks(watching.proc.pid) - ticks) / TICK
        lines = watching.builds()
    put_back = watching.until(builds=count + 2, timeout=timeout)  # putting the note back is a save too
    watching.quiet(60)
    line = lines[count] if len(lines) > count else ""
    failure = ""
    if seconds is None:
        what = "rebuilt, but no package changed" if built else "no rebuild"
        failure = watching.why_not(f"{what} within {timeout:g} s of the save")
    elif not put_back:
        failure = watching.why_not("no rebuild after the note was put back")
    return WatchEdit(pick, seconds, cpu, tuple(written), line, failure)
