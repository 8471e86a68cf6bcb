"""Typed builders that write rows directly (for tests about the read model, not about the API)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReturnCase
from services.order_input import OrderInput
from services.orders import upsert_order
from tests.support.builders import order_payload


async def create_case(
    session: AsyncSession,
    *,
    number: str = "R-2026-000001",
    status: str = "requested",
    country: str = "CN",
    created_at: datetime | None = None,
    **order_fields: Any,
) -> ReturnCase:
    """A case on a new order (`order_fields` go to `order_payload`: lines, channel, ...)."""
    order, _ = await upsert_order(session, OrderInput.model_validate(order_payload(country=country, **order_fields)))
    case = ReturnCase(
        number=number,
        order_id=order.id,
        status=status,
        resolution="refund",
        market=country,
        currency=order.currency,
        policy_snapshot={},
        created_at=created_at or datetime.now(UTC),
        customer_token_hash=hashlib.sha256(number.encode()).hexdigest(),
    )
    session.add(case)
    await session.flush()
    return case
