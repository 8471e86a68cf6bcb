"""Real servers and processes for chaos tests: uvicorn on loopback ports and a worker process to kill."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn

from core.settings import ROOT, Settings
from tests.support.postgres import free_port


@asynccontextmanager
async def serve(app: Any, port: int, *, lifespan: bool = True) -> AsyncIterator[None]:
    """Serve an ASGI app on 127.0.0.1:port inside this event loop (`lifespan=False`: the caller already ran it)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on" if lifespan else "off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises what went wrong
        await asyncio.sleep(0.02)  # uvicorn exposes no 'started' event to await
    try:
        yield
    finally:
        server.should_exit = True
        await task


def settings_env(settings: Settings) -> dict[str, str]:
    return {
        "REBOUND_ENV": settings.env,
        "REBOUND_DATABASE_URL": settings.database_url,
        "REBOUND_VAR_DIR": str(settings.var_dir),
        "REBOUND_TEMPORAL_ADDRESS": settings.temporal_address,
        "REBOUND_TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "REBOUND_SANDBOX_URL": settings.sandbox_url,
        "REBOUND_CASE_PREFIX": settings.case_prefix,
        "REBOUND_API_PORT": str(settings.api_port),
        "REBOUND_SANDBOX_PORT": str(settings.sandbox_port),
        "REBOUND_SMTP_PORT": str(settings.smtp_port),
    }


class WorkerProcess:
    """`rebound worker` in its own process, so a test can kill it like a crash would."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker"], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


__all__ = ["WorkerProcess", "free_port", "serve", "settings_env"]
