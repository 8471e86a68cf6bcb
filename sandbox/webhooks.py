"""Outgoing partner webhooks: signed, delayed, retried with backoff, optionally duplicated, like real providers."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, Request

from sandbox.config import SandboxConfig
from sandbox.faults import FaultBook
from sandbox.signing import HEADER, signature_header

log = logging.getLogger(__name__)

PATHS = {
    "payments": "/api/v1/webhooks/payments",
    "carrier": "/api/v1/webhooks/carrier",
    "customs": "/api/v1/webhooks/customs",
    "insurer": "/api/v1/webhooks/insurer",
    "repair": "/api/v1/webhooks/repair",
}


@dataclass
class Delivery:
    """One attempt series of one copy of one event (a duplicate is a second Delivery)."""

    event_id: str
    partner: str
    url: str
    body: bytes
    key: str = ""  # the subject (a parcel, a refund): its events are delivered in order
    copy: int = 1
    attempts: int = 0
    status: str = "pending"  # pending | delivered | failed
    last_status_code: int | None = None
    last_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "partner": self.partner,
            "url": self.url,
            "copy": self.copy,
            "attempts": self.attempts,
            "status": self.status,
            "last_status_code": self.last_status_code,
            "last_error": self.last_error,
        }


@dataclass(order=True)
class _Due:
    at: float
    seq: int  # keeps emission order among deliveries due at the same instant
    delivery: Delivery = field(compare=False)


class WebhookSender:
    """Delivers due webhooks concurrently (bounded), each subject's events one at a time in the order they fell
    due, as real partners do."""

    def __init__(self, config: SandboxConfig, client: httpx.AsyncClient, faults: FaultBook) -> None:
        self._config = config
        self._client = client
        self._faults = faults
        self._due: list[_Due] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(config.webhook_concurrency)
        self._subjects: dict[str, asyncio.Lock] = {}
        self.log: deque[Delivery] = deque(maxlen=500)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sandbox-webhooks")

    async def stop(self) -> None:
        tasks = [*self._inflight, *([self._task] if self._task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None

    def emit(self, partner: str, payload: dict[str, Any], *, subject: str | None = None) -> None:
        """Queue an event for Rebound; with duplicate faults a second copy follows at a random moment.

        Events of one subject (by default the parcel, else the reference) are delivered in order."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        url = self._config.rebound_base_url.rstrip("/") + PATHS[partner]
        delay = self._config.webhook_delay_ms / 1000
        subject = subject or payload.get("tracking_number") or payload.get("reference") or payload["event_id"]
        key = f"{partner}:{subject}"
        self._schedule(delay, Delivery(str(payload["event_id"]), partner, url, body, key=key))
        if self._faults.of(partner).duplicate_webhooks:
            # The copy may land after later events: Rebound must not trust arrival order.
            extra = self._faults.dice.uniform(0, 3 * delay + 0.05)
            self._schedule(delay + extra, Delivery(str(payload["event_id"]), partner, url, body, key=key, copy=2))

    async def wait_idle(self) -> None:
        """Return once nothing is left to deliver or retry (delivered or given up)."""
        await self._idle.wait()

    @property
    def idle(self) -> bool:
        return self._idle.is_set()

    def _schedule(self, delay: float, delivery: Delivery) -> None:
        if delivery.attempts == 0:
            self.log.append(delivery)
        loop = asyncio.get_running_loop()
        heapq.heappush(self._due, _Due(loop.time() + delay, next(self._seq), delivery))
        self._idle.clear()
        self._wake.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._due:
                if not self._inflight:
                    self._idle.set()
                await self._wake.wait()
                self._wake.clear()
                continue
            wait = self._due[0].at - loop.time()
            if wait > 0:
                self._wake.clear()
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel (stop() would hang).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                continue
            delivery = heapq.heappop(self._due).delivery
            subject = self._subjects.setdefault(delivery.key, asyncio.Lock())
            # Created in due order; the subject's lock is FIFO, so its events keep that order.
            task = asyncio.create_task(self._deliver(delivery, subject))
            self._inflight.add(task)
            task.add_done_callback(self._finished)

    async def _deliver(self, delivery: Delivery, subject: asyncio.Lock) -> None:
        async with subject, self._slots:
            try:
                await self._attempt(delivery)
            except Exception:  # one bad delivery must not stop all the others
                log.exception("webhook %s to %s crashed", delivery.event_id, delivery.url)
                delivery.status, delivery.last_error = "failed", "crashed"

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()  # the loop re-checks whether everything is delivered

    async def _attempt(self, d: Delivery) -> None:
        d.attempts += 1
        # Signed at each attempt, like real providers: a retry days later is still within the window.
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"rebound-sandbox-{d.partner}",
            HEADER: signature_header(self._config.secret(d.partner), d.body, int(time.time())),
        }
        try:
            response = await self._client.post(d.url, content=d.body, headers=headers)
            d.last_status_code, d.last_error = response.status_code, None
            if response.is_success:
                d.status = "delivered"
                return
        except httpx.HTTPError as exc:
            d.last_error = f"{type(exc).__name__}: {exc}"
        if d.attempts >= self._config.webhook_max_attempts:
            d.status = "failed"
            return
        backoff_ms = min(self._config.webhook_retry_base_ms * 2 ** (d.attempts - 1), self._config.webhook_retry_max_ms)
        self._schedule(backoff_ms / 1000, d)


class Jobs:
    """Deferred partner-side work (a refund settling later); cancelled when the sandbox stops."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def later(self, delay_s: float, work: Callable[[], Awaitable[None]]) -> None:
        async def run() -> None:
            await asyncio.sleep(delay_s)
            await work()

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def idle(self) -> bool:
        return not self._tasks

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.get("/deliveries")
async def list_deliveries(request: Request, partner: str | None = None) -> list[dict[str, Any]]:
    """The last webhook deliveries with their attempts, to see what Rebound was told."""
    sender: WebhookSender = request.app.state.sandbox.webhooks
    return [d.as_dict() for d in sender.log if partner is None or d.partner == partner]
