"""What a return label needs from our records: who sends, where to, how heavy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, Order, OrderLine, ReturnCase, ReturnItem
from domain.errors import NotFound

DEFAULT_ITEM_WEIGHT_G = 500  # when the order line carries no weight


@dataclass(frozen=True)
class LabelRequest:
    sender: dict[str, Any]
    market: str
    weight_g: int
    currency: str  # the order's: the label is billed in it when the carrier can
    resolution: str = "refund"


async def label_request(session: AsyncSession, case_number: str) -> LabelRequest:
    """The customer's address from the order (never from the browser) and the parcel weight."""
    row = (
        await session.execute(
            select(ReturnCase, Order, Customer)
            .join(Order, Order.id == ReturnCase.order_id)
            .join(Customer, Customer.id == Order.customer_id)
            .where(ReturnCase.number == case_number)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no case numbered {case_number}", code="case_not_found")
    case, order, customer = row
    weights = await session.execute(
        select(ReturnItem.quantity, OrderLine.weight_g)
        .join(OrderLine, OrderLine.id == ReturnItem.order_line_id)
        .where(ReturnItem.case_id == case.id)
    )
    weight = sum(qty * (w or DEFAULT_ITEM_WEIGHT_G) for qty, w in weights)
    ship_to = order.ship_to
    sender = {
        "name": ship_to.get("name") or customer.name,
        "line1": ship_to.get("line1") or "-",
        "city": ship_to.get("city") or "-",
        "postal_code": ship_to.get("postal_code") or "-",
        "country": order.ship_to_country,
        "phone": ship_to.get("phone") or customer.phone,
    }
    return LabelRequest(
        sender=sender,
        market=case.market,
        weight_g=max(weight, 1),
        resolution=case.resolution,
        currency=case.currency,
    )
