"""What the exchange and repair activities read and record: the case's new goods, the card to charge, where
to send the parcel, and each step's result on the exchange or repair row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Exchange, Order, OrderLine, Repair, ReturnCase, ReturnItem, Tender
from db.repositories.catalogue import exchange_of, repair_of
from domain.errors import NotFound
from domain.exchange import replacement_quote
from services.order_facts import order_facts
from services.shipping import label_request

CARD_TENDERS = ("card", "wallet")  # a payment the provider can charge again or hold money on


@dataclass(frozen=True)
class CaseGoods:
    case: ReturnCase
    card_charge_id: str | None  # the order's card payment: differences are charged and holds placed on it
    address: dict[str, Any]  # the customer's address, from the order (never from the browser)


async def _case(session: AsyncSession, case_number: str) -> ReturnCase:
    case = (await session.scalars(select(ReturnCase).where(ReturnCase.number == case_number))).one_or_none()
    if case is None:
        raise NotFound(f"no case numbered {case_number}", code="case_not_found")
    return case


async def case_goods(session: AsyncSession, case_number: str) -> CaseGoods:
    case = await _case(session, case_number)
    charge = await session.scalar(
        select(Tender.provider_charge_id)
        .join(Order, Order.id == Tender.order_id)
        .where(Order.id == case.order_id, Tender.type.in_(CARD_TENDERS), Tender.provider_charge_id.is_not(None))
        .order_by(Tender.position)
        .limit(1)
    )
    request = await label_request(session, case_number)
    return CaseGoods(case, charge, request.sender)


async def exchange_for(session: AsyncSession, case_number: str) -> tuple[ReturnCase, Exchange]:
    """The case and its exchange row, locked for this transaction."""
    case = await _case(session, case_number)
    exchange = await exchange_of(session, case.id, lock=True)
    if exchange is None:
        raise NotFound(f"case {case_number} has no exchange", code="exchange_not_found")
    return case, exchange


async def repair_for(session: AsyncSession, case_number: str) -> tuple[ReturnCase, Repair]:
    case = await _case(session, case_number)
    repair = await repair_of(session, case.id, lock=True)
    if repair is None:
        raise NotFound(f"case {case_number} has no repair", code="repair_not_found")
    return case, repair


async def repaired_item(session: AsyncSession, case: ReturnCase) -> tuple[str, str]:
    """The SKU and reason of the (first) item sent for repair."""
    row = (
        await session.execute(
            select(OrderLine.sku, ReturnItem.reason)
            .join(ReturnItem, ReturnItem.order_line_id == OrderLine.id)
            .where(ReturnItem.case_id == case.id, ReturnItem.eligible.is_(True))
            .order_by(ReturnItem.id)
            .limit(1)
        )
    ).one()
    return str(row[0]), str(row[1])


async def add_replacement(session: AsyncSession, case_number: str) -> Exchange:
    """The same item again for a repair that cannot be done: an even exchange row (once; flushes)."""
    case = await _case(session, case_number)
    existing = await exchange_of(session, case.id, lock=True)
    if existing is not None:
        return existing
    order = (
        await session.scalars(
            select(Order)
            .where(Order.id == case.order_id)
            .options(selectinload(Order.lines), selectinload(Order.tenders), selectinload(Order.customer))
        )
    ).one()
    facts = await order_facts(session, order, exclude_case_id=case.id)
    rows = await session.execute(
        select(OrderLine.line_id, OrderLine.sku, OrderLine.title, ReturnItem.quantity)
        .join(ReturnItem, ReturnItem.order_line_id == OrderLine.id)
        .where(ReturnItem.case_id == case.id, ReturnItem.eligible.is_(True))
    )
    found = [(str(line_id), str(sku), str(title), int(qty)) for line_id, sku, title, qty in rows]
    items: list[dict[str, Any]] = [
        {"line_id": line_id, "sku": sku, "title": title, "variant": None, "quantity": qty}
        for line_id, sku, title, qty in found
    ]
    returned = [(line_id, qty) for line_id, _, _, qty in found]
    q = replacement_quote(facts.model_copy(update={"already_returned": {}}), returned)
    exchange = Exchange(
        case_id=case.id,
        kind="replacement",
        status="requested",
        items=items,
        currency=case.currency,
        credit_minor=q.credit.minor,
        new_total_minor=q.new_total.minor,
        hold_minor=0,
        instant=False,
    )
    session.add(exchange)
    await session.flush()
    return exchange
