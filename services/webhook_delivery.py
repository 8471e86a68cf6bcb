"""Delivering one outbound webhook attempt: sign, POST with a short timeout, log the attempt; giving up after
the backoff ends (the endpoint is switched off after repeated failures and the admins are mailed)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from db.models import MailOutbox, WebhookAttempt, WebhookEndpoint
from db.repositories.mails import add_once
from db.repositories.webhooks import delivery_parts
from integrations.standard_webhooks import headers


@dataclass(frozen=True)
class Request:
    url: str
    msg_id: str
    body: bytes
    secrets: list[str]


@dataclass(frozen=True)
class Outcome:
    done: bool
    status: str  # succeeded | failed | retry
    status_code: int | None = None


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, plus the previous one while its overlap lasts (receivers may not have switched)."""
    found = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_valid_until and endpoint.previous_valid_until > now:
        found.append(endpoint.previous_secret)
    return found


async def _prepare(session: AsyncSession, delivery_id: int, now: datetime) -> Request | Outcome:
    parts = await delivery_parts(session, delivery_id)
    if parts is None:
        return Outcome(True, "failed")  # the endpoint was deleted with its deliveries
    delivery, message, endpoint = parts
    if delivery.status in ("succeeded", "failed"):
        return Outcome(True, delivery.status)
    if not endpoint.enabled:
        delivery.status, delivery.finished_at, delivery.last_error = "failed", now, "endpoint disabled"
        return Outcome(True, "failed")
    body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Request(endpoint.url, message.id, body, signing_secrets(endpoint, now))


async def attempt(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    settings: Settings,
    delivery_id: int,
    n: int,
    *,
    now: datetime,
) -> Outcome:
    """One attempt; the database is not held while the receiver is called."""
    async with sessionmaker() as session:
        prepared = await _prepare(session, delivery_id, now)
        await session.commit()
    if isinstance(prepared, Outcome):
        return prepared
    started = time.perf_counter()
    code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    try:
        async with asyncio.timeout(settings.webhook_timeout_s):
            response = await client.post(
                prepared.url,
                content=prepared.body,
                headers=headers(prepared.msg_id, int(now.timestamp()), prepared.body, prepared.secrets),
                timeout=settings.webhook_timeout_s,
            )
        code, excerpt = response.status_code, response.text[:500]
    except TimeoutError:
        error = f"no answer within {settings.webhook_timeout_s:g} s"
    except httpx.HTTPError as failed:
        error = f"{type(failed).__name__}: {failed}"[:500]
    latency = int((time.perf_counter() - started) * 1000)
    ok = code is not None and 200 <= code < 300
    async with sessionmaker() as session:
        parts = await delivery_parts(session, delivery_id)
        if parts is None:
            return Outcome(True, "failed")
        delivery, _, endpoint = parts
        session.add(
            WebhookAttempt(
                delivery_id=delivery_id,
                n=n,
                at=now,
                status_code=code,
                latency_ms=latency,
                error=error,
                response_excerpt=excerpt,
            )
        )
        delivery.attempts, delivery.last_status_code, delivery.last_error = n, code, error
        if ok:
            delivery.status, delivery.finished_at = "succeeded", now
            endpoint.failed_in_a_row = 0
        await session.commit()
    return Outcome(True, "succeeded", code) if ok else Outcome(False, "retry", code)


async def give_up(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, delivery_id: int, *, now: datetime
) -> None:
    """Three days of failures: the delivery is failed, the admins are mailed, a repeatedly failing endpoint
    is switched off (an admin switches it back on)."""
    async with sessionmaker() as session:
        parts = await delivery_parts(session, delivery_id)
        if parts is None:
            return
        delivery, message, endpoint = parts
        if delivery.status in ("succeeded", "failed"):
            return
        delivery.status, delivery.finished_at = "failed", now
        endpoint.failed_in_a_row += 1
        if endpoint.enabled and endpoint.failed_in_a_row >= settings.webhook_disable_after:
            endpoint.enabled = False
            endpoint.disabled_reason = f"{endpoint.failed_in_a_row} deliveries in a row failed for 3 days"
        await add_once(
            session,
            MailOutbox(
                dedupe_key=f"webhook-failed:{delivery_id}:{delivery.resends}",
                to_address=settings.admin_email,
                locale="en",
                template="webhook_failed",
                context={
                    "url": endpoint.url,
                    "event_type": message.type,
                    "webhook_id": message.id,
                    "case_number": message.case_number,
                    "attempts": delivery.attempts,
                    "last_error": delivery.last_error or f"HTTP {delivery.last_status_code}",
                    "disabled": not endpoint.enabled,
                },
            ),
        )
        await session.commit()
