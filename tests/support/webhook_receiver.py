"""Merchant-side webhook receivers for tests, verifying with the `standardwebhooks` package (not our own code)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from temporalio.client import Client

from workflows.contracts import webhook_delivery_workflow_id


@dataclass
class Receiver:
    """One endpoint: verifies each request, records what arrived, answers from a script (then 200)."""

    host: str
    secret: str = ""
    script: list[int | str] = field(default_factory=list)  # status codes, or "down" / "hang"
    events: list[dict[str, Any]] = field(default_factory=list)  # verified, first arrivals and repeats
    refused: int = 0
    hung: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    received: asyncio.Event = field(default_factory=asyncio.Event)  # set on every verified request
    called: asyncio.Event = field(default_factory=asyncio.Event)  # any request at all, even a failing one
    abandoned: asyncio.Event = field(default_factory=asyncio.Event)  # the sender gave up on a hanging request
    expected: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}/hooks"

    @property
    def ids(self) -> Counter[str]:
        return Counter(e["id"] for e in self.events)

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    async def handle(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.called.set()
        action = self.script.pop(0) if self.script else 200
        if action == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if action == "hang":
            self.hung += 1
            try:
                await asyncio.Event().wait()  # until the sender gives up on us
            finally:
                self.abandoned.set()
        try:
            event = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.refused += 1
            return httpx.Response(400)
        if isinstance(action, int) and action >= 300:
            return httpx.Response(action)
        assert event["id"] == request.headers["webhook-id"]
        self.events.append(event)
        self.received.set()
        if self.expected and len(set(self.ids)) >= self.expected:
            self.arrived.set()
        return httpx.Response(200, json={"ok": True})

    async def wait_for(self, count: int, timeout_s: float = 60) -> None:
        """Until `count` distinct events arrived (an event, not a sleep)."""
        self.expected = count
        if len(set(self.ids)) >= count:
            return
        async with asyncio.timeout(timeout_s):
            await self.arrived.wait()

    async def wait_for_requests(self, count: int, timeout_s: float = 60) -> None:
        """Until `count` verified requests arrived, repeats of a webhook-id included."""
        async with asyncio.timeout(timeout_s):
            while len(self.events) < count:
                self.received.clear()  # no await since the check: nothing can arrive in between
                await self.received.wait()


class Receivers:
    """Routes the worker's webhook client to the receivers by host."""

    def __init__(self, *receivers: Receiver) -> None:
        self.by_host = {r.host: r for r in receivers}
        self.client = httpx.AsyncClient(transport=httpx.MockTransport(self._route))

    async def _route(self, request: httpx.Request) -> httpx.Response:
        return await self.by_host[request.url.host].handle(request)


def body_of(event: dict[str, Any]) -> str:
    return json.dumps(event, sort_keys=True)


async def delivery_outcomes(temporal: Client, receiver: Receiver, endpoint_id: int) -> set[str]:
    """How the delivery workflow of each event `receiver` got ended, awaited: its log line and status are written
    after the receiver answered, so a test reading the delivery log waits for these first."""
    return {
        await temporal.get_workflow_handle(webhook_delivery_workflow_id(e["id"], endpoint_id, 0)).result()
        for e in receiver.events
    }
