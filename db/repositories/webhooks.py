"""Queries for outbound webhooks: endpoints, the outbox, deliveries and their log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Order, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage


async def enabled_endpoints(session: AsyncSession) -> Sequence[WebhookEndpoint]:
    return (await session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True)))).all()


async def all_endpoints(session: AsyncSession) -> Sequence[WebhookEndpoint]:
    return (await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id))).all()


async def order_number(session: AsyncSession, order_id: int) -> str | None:
    return await session.scalar(select(Order.number).where(Order.id == order_id))


async def pending_deliveries(session: AsyncSession, limit: int) -> list[tuple[int, str, int, int]]:
    """(id, message id, endpoint id, resends) of deliveries not yet handed to a workflow, oldest first."""
    rows = await session.execute(
        select(WebhookDelivery.id, WebhookDelivery.message_id, WebhookDelivery.endpoint_id, WebhookDelivery.resends)
        .where(WebhookDelivery.status == "pending")
        .order_by(WebhookDelivery.id)
        .limit(limit)
    )
    return [(int(i), str(m), int(e), int(r)) for i, m, e, r in rows]


async def mark_dispatched(session: AsyncSession, ids: list[int]) -> None:
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids), WebhookDelivery.status == "pending")
        .values(status="dispatched")
    )


async def delivery_parts(
    session: AsyncSession, delivery_id: int
) -> tuple[WebhookDelivery, WebhookMessage, WebhookEndpoint] | None:
    row = (
        await session.execute(
            select(WebhookDelivery, WebhookMessage, WebhookEndpoint)
            .join(WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == delivery_id)
        )
    ).one_or_none()
    return (row[0], row[1], row[2]) if row else None


async def deliveries_of(
    session: AsyncSession, endpoint_id: int, limit: int
) -> Sequence[tuple[WebhookDelivery, WebhookMessage]]:
    rows = await session.execute(
        select(WebhookDelivery, WebhookMessage)
        .join(WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return [(d, m) for d, m in rows]


async def attempts_of(session: AsyncSession, delivery_ids: list[int]) -> Sequence[WebhookAttempt]:
    if not delivery_ids:
        return []
    stmt = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids)).order_by(WebhookAttempt.id)
    return (await session.scalars(stmt)).all()
