"""The deployed topology for benchmarks: API, worker and sandbox each in its own process, as `rebound dev`
runs them, on loopback ports."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from core.devstack import Stack
from core.settings import ROOT, Settings
from tests.support.servers import settings_env


def start(settings: Settings, logs: Path, *, with_worker: bool = True) -> Stack:
    """API, sandbox and worker processes; returns once the API and sandbox accept connections. Without the
    worker, the caller runs its own (to kill it)."""
    stack = Stack(logs)
    path = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    env = {**settings_env(settings), "PYTHONPATH": path}
    for name in ("sandbox", "api", "worker") if with_worker else ("sandbox", "api"):
        stack.start(name, [sys.executable, "-m", "cli", name], env=env)
    stack.wait_port("sandbox", "127.0.0.1", settings.sandbox_port)
    stack.wait_port("api", "127.0.0.1", settings.api_port)
    return stack
