"""Run the sandbox in-process with an in-process webhook receiver; plain context managers, no conftest."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.state import Sandbox

BASE = "http://sandbox.test"
WAIT_S = 5
SECRETS = {
    "payments": "whsec-payments-test",
    "carrier": "whsec-carrier-test",
    "insurer": "whsec-insurer-test",
    "customs": "whsec-customs-test",
    "repair": "whsec-repair-test",
}


@dataclass
class WebhookInbox:
    """Plays Rebound's webhook endpoint: records every request, answers from a script then 200."""

    answers: list[int | Exception] = field(default_factory=list)
    received: list[httpx.Request] = field(default_factory=list)
    queue: asyncio.Queue[httpx.Request] = field(default_factory=asyncio.Queue)

    async def handler(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.received.append(request)
        self.queue.put_nowait(request)
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)

    async def next(self) -> httpx.Request:
        """The next webhook received; fails rather than hangs when none comes."""
        async with asyncio.timeout(WAIT_S):
            return await self.queue.get()

    async def next_json(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads((await self.next()).content)
        return body


@dataclass
class Env:
    app: FastAPI
    client: httpx.AsyncClient
    inbox: WebhookInbox
    config: SandboxConfig

    @property
    def sandbox(self) -> Sandbox:
        sandbox: Sandbox = self.app.state.sandbox
        return sandbox


def make_config(**overrides: Any) -> SandboxConfig:
    values: dict[str, Any] = {
        "rebound_base_url": "http://rebound.test",
        "secrets": dict(SECRETS),
        "smtp_port": 0,
        "seed": 7,
        "webhook_delay_ms": 1,
        "webhook_retry_base_ms": 5,
    }
    values.update(overrides)
    return SandboxConfig(**values)


@asynccontextmanager
async def running(config: SandboxConfig | None = None, inbox: WebhookInbox | None = None) -> AsyncIterator[Env]:
    """The sandbox app with its lifespan entered, and an httpx client talking to it in-process."""
    config = config or make_config()
    inbox = inbox or WebhookInbox()
    app = create_app(config, webhook_transport=httpx.MockTransport(inbox.handler))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            yield Env(app, client, inbox, config)


async def new_charge(client: httpx.AsyncClient, amount: int = 10_000, currency: str = "CNY") -> str:
    response = await client.post("/payments/charges", json={"amount": amount, "currency": currency})
    assert response.status_code == 201, response.text
    charge_id: str = response.json()["id"]
    return charge_id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pdffonts(pdf: bytes) -> list[dict[str, str]] | None:
    """Fonts of a PDF per poppler's pdffonts (None when it is not installed)."""
    try:
        out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout
    except FileNotFoundError:
        return None
    lines = out.decode().splitlines()[2:]
    return [{"name": ln.split()[0], "emb": ln.split()[-5], "sub": ln.split()[-4]} for ln in lines]


def tool_output(command: list[str], data: bytes) -> str | None:
    """stdout of a poppler/zbar tool fed `data` on stdin (None when the tool is not installed)."""
    if shutil.which(command[0]) is None:
        return None
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()


def address(name: str = "张三", city: str = "北京") -> dict[str, str]:
    return {"name": name, "line1": "朝阳区建国路88号", "city": city, "postal_code": "100022", "country": "CN"}
