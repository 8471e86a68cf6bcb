"""Managing merchant webhook endpoints: register (the secret is shown once), list, delete, rotate the secret
with an overlap, read the delivery log, resend a delivery."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from db.models import WebhookDelivery, WebhookEndpoint
from db.repositories.webhooks import all_endpoints, attempts_of, deliveries_of
from domain.errors import Conflict, InvalidInput, NotFound
from integrations.standard_webhooks import new_secret
from services.outbox import EVENT_TYPES


def check_url(url: str, settings: Settings) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput("the URL must be http(s)://host/path", fields={"url": "not an http(s) URL"})
    if settings.env == "production" and parts.scheme != "https":
        raise InvalidInput("webhook endpoints must use https", fields={"url": "use https"})
    return url.strip()


def check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - {*EVENT_TYPES, "*"})
    if unknown or not events:
        raise InvalidInput(
            f"unknown event type(s): {', '.join(unknown)}" if unknown else "subscribe to at least one event type",
            fields={"events": f"use '*' or some of: {', '.join(EVENT_TYPES)}"},
        )
    return sorted(set(events))


def endpoint_json(e: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": e.id,
        "url": e.url,
        "events": e.events,
        "description": e.description,
        "enabled": e.enabled,
        "disabled_reason": e.disabled_reason,
        "created_at": e.created_at.isoformat(),
    }


async def register(
    session: AsyncSession, settings: Settings, *, url: str, events: list[str], description: str | None, by: str
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        url=check_url(url, settings),
        events=check_events(events),
        description=description,
        secret=new_secret(),
        created_by=by,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}", code="endpoint_not_found")
    return endpoint


async def listing(session: AsyncSession) -> list[dict[str, Any]]:
    return [endpoint_json(e) for e in await all_endpoints(session)]


async def rotate(session: AsyncSession, settings: Settings, endpoint_id: int, *, now: datetime) -> WebhookEndpoint:
    """A new secret signs from now on; the old one also signs until the overlap ends, so receivers can switch."""
    endpoint = await get(session, endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_valid_until = now + timedelta(seconds=settings.webhook_secret_overlap_s)
    endpoint.secret = new_secret()
    await session.flush()
    return endpoint


async def enable(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    """Switch an endpoint back on after its receiver was fixed; its failure count starts again."""
    endpoint = await get(session, endpoint_id)
    endpoint.enabled, endpoint.disabled_reason, endpoint.failed_in_a_row = True, None, 0
    await session.flush()
    return endpoint


async def delivery_log(session: AsyncSession, endpoint_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    await get(session, endpoint_id)
    rows = await deliveries_of(session, endpoint_id, limit)
    attempts: dict[int, list[dict[str, Any]]] = {}
    for a in await attempts_of(session, [d.id for d, _ in rows]):
        attempts.setdefault(a.delivery_id, []).append(
            {
                "n": a.n,
                "at": a.at.isoformat(),
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "error": a.error,
            }
        )
    return [
        {
            "id": d.id,
            "webhook_id": m.id,
            "type": m.type,
            "case_number": m.case_number,
            "sequence": m.sequence,
            "status": d.status,
            "attempts": attempts.get(d.id, []),
            "request": m.payload,
        }
        for d, m in rows
    ]


async def resend(session: AsyncSession, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again (same webhook-id, so a receiver that got it already can ignore it)."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(f"no webhook delivery {delivery_id}", code="delivery_not_found")
    if delivery.status in ("pending", "dispatched"):
        raise Conflict("this delivery is still being attempted", code="delivery_in_progress")
    delivery.status, delivery.finished_at, delivery.resends = "pending", None, delivery.resends + 1
    await session.flush()
    return delivery
