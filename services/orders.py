"""Order use cases: upsert by number (never a duplicate) and read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, Order, OrderLine, ReturnItem, Tender
from db.repositories.orders import get_customer_by_email, get_order
from domain.errors import Conflict, NotFound
from services.order_input import OrderInput


async def upsert_order(session: AsyncSession, data: OrderInput) -> tuple[Order, bool]:
    """Create the order, or bring an existing one with the same number up to date. Flushes, never commits."""
    for attempt in (1, 2):
        try:
            async with session.begin_nested():
                return await _upsert(session, data)
        except IntegrityError:
            # A concurrent request inserted the same order or customer first: the second pass updates it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _upsert(session: AsyncSession, data: OrderInput) -> tuple[Order, bool]:
    customer = await _upsert_customer(session, data)
    order = await get_order(session, data.number)
    created = order is None
    if order is None:
        order = Order(number=data.number, customer=customer, lines=[], tenders=[])
        session.add(order)
    elif order.currency != data.currency:
        raise Conflict(
            f"order {data.number} exists in {order.currency}; its currency cannot change to {data.currency}",
            code="order_currency_changed",
            fields={"currency": "cannot change"},
        )
    order.customer = customer
    for column, value in order_columns(data).items():
        setattr(order, column, value)
    await _sync_lines(session, order, data)
    order.tenders = [Tender(**tender_columns(data, i)) for i in range(len(data.tenders))]
    await session.flush()
    return order, created


def order_columns(data: OrderInput) -> dict[str, Any]:
    """The order's own columns from the input (shared by the one-by-one upsert and the bulk import)."""
    return {
        "currency": data.currency,
        "placed_at": data.placed_at,
        "delivered_at": data.delivered_at,
        "channel": data.channel,
        "ship_to_country": data.ship_to.country,
        "ship_to": data.ship_to.model_dump(),
        "shipping_minor": data.shipping.amount,
        "discount_minor": data.discount_minor,
        "insurance_shipping_fee": data.insurance.shipping_fee,
        "insurance_transit": data.insurance.transit,
        "export_reference": data.export_reference,
    }


def line_columns(data: OrderInput, position: int) -> dict[str, Any]:
    li = data.lines[position]
    return {
        "position": position,
        "line_id": li.id,
        "sku": li.sku,
        "title": li.title,
        "category": li.category,
        "tags": li.tags,
        "quantity": li.quantity,
        "unit_price_minor": li.unit_price.amount,
        "tax_minor": li.tax.amount,
        "hs_code": li.hs_code,
        "origin_country": li.origin_country,
        "weight_g": li.weight_g,
    }


def tender_columns(data: OrderInput, position: int) -> dict[str, Any]:
    t = data.tenders[position]
    return {
        "position": position,
        "type": t.type,
        "amount_minor": t.amount.amount,
        "provider_charge_id": t.provider_charge_id,
    }


async def _upsert_customer(session: AsyncSession, data: OrderInput) -> Customer:
    customer = await get_customer_by_email(session, data.customer.email)
    if customer is None:
        customer = Customer(email=data.customer.email, name=data.customer.name)
        session.add(customer)
    customer.name = data.customer.name
    customer.phone = data.customer.phone or customer.phone
    customer.locale = data.customer.locale
    return customer


async def _sync_lines(session: AsyncSession, order: Order, data: OrderInput) -> None:
    """Update lines in place by id; a line already part of a return may not disappear."""
    existing = {line.line_id: line for line in order.lines}
    gone = [line for key, line in existing.items() if key not in {li.id for li in data.lines}]
    if gone and order.id is not None:
        in_use = await session.scalars(
            select(ReturnItem.order_line_id).where(ReturnItem.order_line_id.in_([g.id for g in gone]))
        )
        used = set(in_use)
        if used:
            names = ", ".join(g.line_id for g in gone if g.id in used)
            raise Conflict(
                f"line(s) {names} are part of a return and cannot be removed",
                code="order_line_in_use",
            )
    lines = []
    for position, li in enumerate(data.lines):
        line = existing.get(li.id) or OrderLine(line_id=li.id)
        for column, value in line_columns(data, position).items():
            setattr(line, column, value)
        lines.append(line)
    order.lines = lines


async def read_order(session: AsyncSession, number: str) -> Order:
    order = await get_order(session, number)
    if order is None:
        raise NotFound(f"no order numbered {number}", code="order_not_found")
    return order


def order_view(order: Order) -> dict[str, Any]:
    """The order as API.md shows it: money as {amount, currency}."""
    cur = order.currency

    def money(minor: int) -> dict[str, Any]:
        return {"amount": minor, "currency": cur}

    return {
        "number": order.number,
        "customer": {
            "email": order.customer.email,
            "name": order.customer.name,
            "phone": order.customer.phone,
            "locale": order.customer.locale,
        },
        "currency": cur,
        "placed_at": order.placed_at.isoformat(),
        "delivered_at": order.delivered_at.isoformat() if order.delivered_at else None,
        "ship_to": order.ship_to,
        "channel": order.channel,
        "lines": [
            {
                "id": li.line_id,
                "sku": li.sku,
                "title": li.title,
                "category": li.category,
                "tags": li.tags,
                "quantity": li.quantity,
                "unit_price": money(li.unit_price_minor),
                "tax": money(li.tax_minor),
                "hs_code": li.hs_code,
                "origin_country": li.origin_country,
                "weight_g": li.weight_g,
            }
            for li in order.lines
        ],
        "shipping": money(order.shipping_minor),
        "discounts": money(order.discount_minor),
        "tenders": [
            {
                "type": t.type,
                "amount": money(t.amount_minor),
                "provider_charge_id": t.provider_charge_id,
            }
            for t in order.tenders
        ],
        "insurance": {
            "shipping_fee": order.insurance_shipping_fee,
            "transit": order.insurance_transit,
        },
        "export_reference": order.export_reference,
    }
