"""Start-up cost: wall time and peak memory of fresh interpreters importing a package or an app.

Each command runs in its own `python -c` child. Peak memory is the child's `VmHWM` (high-water
resident set) from /proc, printed by the child as its last act. `getrusage`'s `ru_maxrss`, the
usual tool, is wrong here: Linux carries the forking parent's RSS into the child's figure across
`exec` (so every child would report this ~50 MB benchmark process), and RUSAGE_CHILDREN is in
addition a maximum over all children so far. Without /proc, `os.wait4`'s per-child `ru_maxrss`
is used, with that caveat.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repo root, so `bench.apps...` imports


@dataclass(frozen=True)
class Cost:
    """One command's cost (or the median of several runs): wall time and CPU time (user + system)
    in seconds, peak resident memory in bytes. CPU time is shown beside wall time because it does
    not grow when other processes compete for the CPU."""

    wall_s: float
    cpu_s: float
    peak_rss: int


# Appended to every command: print the peak RSS in kB, with builtins only (no import, no memory).
REPORT_PEAK = """
for _line in open("/proc/self/status"):
    if _line.startswith("VmHWM:"):
        print(_line.split()[1])
"""
HAVE_PROC = os.path.exists("/proc/self/status")


def run_once(code: str) -> Cost:
    """The cost of one `python -c code` in a fresh interpreter; raises if the command fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", code + REPORT_PEAK if HAVE_PROC else code],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        _, wait_status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(wait_status)  # reaped here, not by Popen
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"python -c {code!r} exited {proc.returncode}: {err.read().decode()[-2000:]}")
        out.seek(0)
        peak_kb = int(out.read().split()[-1]) if HAVE_PROC else usage.ru_maxrss  # both in kB on Linux
    return Cost(wall, usage.ru_utime + usage.ru_stime, peak_kb * 1024)


def measure(commands: list[str], runs: int) -> dict[str, Cost]:
    """Median cost per command; one unmeasured run each first writes the .pyc files, then runs
    alternate between commands so background noise is shared."""
    for code in commands:
        run_once(code)
    samples: dict[str, list[Cost]] = {code: [] for code in commands}
    for _ in range(runs):
        for code in commands:
            samples[code].append(run_once(code))
    return {
        code: Cost(
            statistics.median(c.wall_s for c in costs),
            statistics.median(c.cpu_s for c in costs),
            int(statistics.median(c.peak_rss for c in costs)),
        )
        for code, costs in samples.items()
    }
