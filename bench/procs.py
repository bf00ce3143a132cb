"""Child processes for the benchmark: how deckgen is run, and what a run costs.

Wall time is `perf_counter` around a blocking `os.wait4`; CPU time and max RSS come from that
`wait4` (the child's user + sys, its reaped pool workers included; ru_maxrss is the largest single
process). Memory over all processes is the peak of the summed PSS of the child and every
descendant, sampled every `SAMPLE_S` (or less often: see there) from `/proc/PID/smaps_rollup`
while the child runs: PSS shares each page among the processes mapping it, so forked pool
workers are not counted twice.
(This kernel has no `/proc/PID/task/*/children` and the memory cgroup is v1, so descendants
are found by their parent pid in `/proc/*/stat`.)
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

NOW = "1700000000"  # SOURCE_DATE_EPOCH: same input, same output
SAMPLE_S = 0.1
"""How often the memory of the process tree is read, at most: a reading costs about 1 ms plus
11 ms per GB (the kernel walks the page tables), so the pause is at least `SAMPLE_COST` times
what the last reading took, which keeps the sampler under about 5% of a core."""
SAMPLE_COST = 20


def deckgen_cmd() -> list[str]:
    """The installed `deckgen` script next to this Python (or on PATH). It imports `deckgen` as
    its Python would, so `PYTHONPATH=/path/to/checkout/src` measures that checkout."""
    script = Path(sys.executable).parent / "deckgen"
    found = str(script) if script.exists() else shutil.which("deckgen")
    if not found:
        raise SystemExit("deckgen is not installed in this Python — pip install -e . first")
    return [found]


def deckgen_python() -> list[str]:
    """The interpreter the `deckgen` script runs under (its `#!` line)."""
    script = Path(deckgen_cmd()[0])
    with script.open("rb") as f:
        first = f.readline().decode(errors="replace").strip()
    return shlex.split(first[2:]) if first.startswith("#!") else [sys.executable]


def child_env(**extra: str) -> dict[str, str]:
    """The environment of every child: this one, `SOURCE_DATE_EPOCH`, and `PYTHONPATH` made
    absolute (children run in a scratch folder, where `PYTHONPATH=src` would find nothing)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": NOW, **extra}
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(
            str(Path(p).resolve()) for p in env["PYTHONPATH"].split(os.pathsep) if p
        )
    return env


def command_line(cmd: Sequence[str], **extra: str) -> str:
    """`cmd` as a shell line that runs it again from the bench's working folder: the environment
    it depends on, then the words, paths given as `shown` gives them."""
    env = child_env(**extra)
    names = ["SOURCE_DATE_EPOCH", "PYTHONPATH", *extra]
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(shown(p) for p in env["PYTHONPATH"].split(os.pathsep))
    prefix = [f"{k}={shlex.quote(env[k])}" for k in dict.fromkeys(names) if env.get(k)]
    return " ".join([*prefix, shlex.join(shown(str(c)) for c in cmd)])


def shown(word: str) -> str:
    """An absolute path relative to the bench's working folder, unless it is in the temporary
    folder: results name no one's home or work folder (the repository's tests check that), and
    a reader re-runs them from the checkout."""
    if not os.path.isabs(word) or Path(word).is_relative_to(tempfile.gettempdir()):
        return word
    return os.path.relpath(word)


def parents() -> dict[int, list[int]]:
    """Every process's children, from the parent pid in `/proc/*/stat`."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        # `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'
        ppid = int(stat.rpartition(b")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    children, found, todo = parents(), [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, ()))
    return found


def pss_kb(pid: int) -> int:
    """The proportional set size of one process in kB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def cpu_ticks(pid: int) -> int:
    """User + system clock ticks used so far by `pid` and its descendants."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat", "rb") as f:
                fields = f.read().rpartition(b")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total


class PeakPss:
    """Samples the summed PSS of a process tree in a thread while the `with` block runs."""

    def __init__(self, pid: int, every: float = SAMPLE_S) -> None:
        self.pid, self.every, self.peak_kb = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            start = time.perf_counter()
            self.peak_kb = max(self.peak_kb, sum(pss_kb(p) for p in tree(self.pid)))
            if self._stop.wait(max(self.every, SAMPLE_COST * (time.perf_counter() - start))):
                return

    @property
    def mb(self) -> float:
        return self.peak_kb / 1024

    def __enter__(self) -> PeakPss:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()


@dataclass(frozen=True, slots=True)
class Child:
    """What one child process cost."""

    wall: float
    cpu: float
    rss_mb: float
    """The largest single process's max RSS (`wait4`)."""
    pss_mb: float
    """The peak of the summed PSS of the child and its descendants."""
    code: int
    stdout: str
    command: str


def scratch(log: Path) -> Path:
    """The working folder of children: whatever a child writes by default lands in the cache."""
    cwd = log.parent.parent / "cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    return cwd


def run_child(cmd: Sequence[str], timeout: float, log: Path) -> Child:
    """Run `cmd` to its end (killed after `timeout` s) and measure it; stderr goes to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as err, tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=child_env(), cwd=scratch(log))
        with PeakPss(proc.pid) as peak:
            status, usage = wait(proc, timeout)
        wall = time.perf_counter() - start
        out.seek(0)
        stdout = out.read()
    # Linux reports ru_maxrss in KB.
    cpu = usage.ru_utime + usage.ru_stime
    return Child(wall, cpu, usage.ru_maxrss / 1024, peak.mb, status, stdout, command_line(cmd))


def wait(proc: subprocess.Popen[Any], timeout: float) -> tuple[int, Any]:
    """Block until `proc` ends (killing it after `timeout` s): its exit code (-9 when killed)
    and its rusage, which `wait4` gives for this child alone, not for all of ours."""
    reaped = threading.Event()

    def kill() -> None:
        if not reaped.is_set():
            proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        reaped.set()
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage


def ended(proc: subprocess.Popen[Any]) -> int | None:
    """The exit code of `proc` if it has ended (-N for signal N), else None. Unlike `poll`, this
    does not reap it: `wait` still gets its rusage."""
    info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status
