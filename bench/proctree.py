"""Run a command and sample its process tree: peak RSS and CPU seconds per process.

Shared by the benches that report what a run cost (``warc_bench``, ``crawl_bench``):
``/proc`` is read every 50 ms, so a worker that lives a short while is still seen.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_s(pid: int) -> float:
    """User + system seconds of a process so far (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return pids


@dataclass
class Run:
    stdout: bytes
    seconds: float
    tree_peak_mb: float  # the whole tree's RSS at its largest
    one_peak_mb: float  # the largest single process
    main_cpu: float  # CPU seconds of the command's own process
    workers_cpu: float  # of its descendants together
    cpu: dict[int, float] = field(default_factory=dict)


def run(cmd: list[str], **popen) -> Run:
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **popen)
    tree_peak = one_peak = 0
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        pids = tree(proc.pid)
        for p in pids:
            cpu[p] = max(cpu.get(p, 0.0), cpu_s(p))
        sizes = [rss_kb(p) for p in pids]
        tree_peak = max(tree_peak, sum(sizes))
        one_peak = max(one_peak, max(sizes, default=0))
        time.sleep(0.05)
    seconds = time.monotonic() - started
    out = proc.stdout.read() if proc.stdout else b""
    main = cpu.pop(proc.pid, 0.0)
    return Run(out, seconds, tree_peak / 1024, one_peak / 1024, main, sum(cpu.values()), cpu)
