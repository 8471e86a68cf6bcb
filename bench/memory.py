"""Peak resident memory of one side of a benchmark, each side measured in a fresh process of its own."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident size so far (MB)."""
    status = Path("/proc/self/status")  # VmHWM restarts at exec; ru_maxrss would carry the parent's peak over
    if status.exists():
        return next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmHWM")) / 1e3
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def probe_peak_mb(script: str, *args: str) -> float:
    """Runs `script --probe ARGS...` in a fresh process, which prints peak_rss_mb() last; returns that figure."""
    done = subprocess.run([sys.executable, script, "--probe", *args], capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])
