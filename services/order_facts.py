"""Turns stored orders and earlier cases into the facts the domain rules judge a return by."""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, Order, OrderLine, Refund, ReturnCase, ReturnItem
from domain.money import Money
from domain.orders import CustomerHistory, OrderFacts
from domain.orders import OrderLine as LineFacts
from domain.orders import Tender as TenderFacts

# Cases that gave nothing back do not use up the order's returnable quantity.
VOID_STATUSES = ("cancelled", "rejected")


async def returned_quantities(
    session: AsyncSession, order_id: int, *, exclude_case_id: int | None = None
) -> dict[str, int]:
    """Units per order line already claimed by other live cases of the order."""
    stmt = (
        select(OrderLine.line_id, func.sum(ReturnItem.quantity))
        .join(ReturnItem, ReturnItem.order_line_id == OrderLine.id)
        .join(ReturnCase, ReturnCase.id == ReturnItem.case_id)
        .where(OrderLine.order_id == order_id, ReturnItem.eligible.is_(True), ReturnCase.status.not_in(VOID_STATUSES))
        .group_by(OrderLine.line_id)
    )
    if exclude_case_id is not None:
        stmt = stmt.where(ReturnCase.id != exclude_case_id)
    return {line_id: int(n) for line_id, n in await session.execute(stmt)}


async def refunded_quantities(session: AsyncSession, order_id: int, *, exclude_case_id: int) -> dict[str, int]:
    """Units per line in other cases whose refund is already reserved (and not failed). The refund maths slices
    discount and tax by these, so each case gets its own unit range and rounding never pays a unit twice."""
    reserved = select(Refund.case_id).where(Refund.status != "failed", Refund.case_id != exclude_case_id).distinct()
    stmt = (
        select(OrderLine.line_id, func.sum(ReturnItem.quantity))
        .join(ReturnItem, ReturnItem.order_line_id == OrderLine.id)
        .where(OrderLine.order_id == order_id, ReturnItem.eligible.is_(True), ReturnItem.case_id.in_(reserved))
        .group_by(OrderLine.line_id)
    )
    return {line_id: int(n) for line_id, n in await session.execute(stmt)}


async def shipping_already_refunded(
    session: AsyncSession, order_id: int, *, exclude_case_id: int | None = None
) -> bool:
    stmt = select(ReturnCase.eligibility).where(
        ReturnCase.order_id == order_id, ReturnCase.status.not_in(VOID_STATUSES)
    )
    if exclude_case_id is not None:
        stmt = stmt.where(ReturnCase.id != exclude_case_id)
    return any((e or {}).get("refund_shipping") for e in await session.scalars(stmt))


async def order_facts(session: AsyncSession, order: Order, *, exclude_case_id: int | None = None) -> OrderFacts:
    """The order (lines and tenders loaded) as domain facts, with what earlier cases already took back."""
    cur = order.currency
    return OrderFacts(
        number=order.number,
        currency=cur,
        placed_at=order.placed_at,
        delivered_at=order.delivered_at,
        ship_to_country=order.ship_to_country,
        channel=order.channel,
        lines=tuple(
            LineFacts(
                line_id=li.line_id,
                sku=li.sku,
                title=li.title,
                category=li.category,
                tags=tuple(li.tags),
                quantity=li.quantity,
                unit_price=Money(li.unit_price_minor, cur),
                tax=Money(li.tax_minor, cur),
            )
            for li in order.lines
        ),
        shipping=Money(order.shipping_minor, cur),
        discounts=Money(order.discount_minor, cur),
        tenders=tuple(
            TenderFacts(type=t.type, amount=Money(t.amount_minor, cur), reference=t.provider_charge_id)
            for t in order.tenders
        ),
        already_returned=await returned_quantities(session, order.id, exclude_case_id=exclude_case_id),
        shipping_refunded=await shipping_already_refunded(session, order.id, exclude_case_id=exclude_case_id),
        shipping_fee_insured=order.insurance_shipping_fee,
    )


async def customer_history(session: AsyncSession, customer: Customer, *, blocklisted: bool) -> CustomerHistory:
    """The customer's ordering and returning record, for the policy's abuse rules."""
    orders = await session.scalar(select(func.count()).select_from(Order).where(Order.customer_id == customer.id))
    returned = await session.scalar(
        select(func.count(distinct(ReturnCase.order_id)))
        .join(Order, Order.id == ReturnCase.order_id)
        .where(Order.customer_id == customer.id, ReturnCase.status.not_in(VOID_STATUSES))
    )
    empty_boxes = await session.scalar(
        select(func.count())
        .select_from(ReturnItem)
        .join(ReturnCase, ReturnCase.id == ReturnItem.case_id)
        .join(Order, Order.id == ReturnCase.order_id)
        .where(Order.customer_id == customer.id, ReturnItem.grade == "X")
    )
    return CustomerHistory(
        orders=int(orders or 0),
        returned_orders=int(returned or 0),
        empty_box_findings=int(empty_boxes or 0),
        blocklisted=blocklisted,
    )
