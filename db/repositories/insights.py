"""Queries behind the supervisors' insights: the cases in scope, and what happened to them (items, timelines,
refunds, return parcels, ratings, complaints). Durations and shares are worked out in domain.insights."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CaseEvent, CaseRating, Complaint, Order, OrderLine, ReturnCase, ReturnItem, Shipment
from domain.insights import Scope

NOT_RETURNED = ("cancelled", "rejected")  # requests that brought nothing back


def _cases(scope: Scope) -> Select[Any]:
    """Ids of the cases opened in the period that match every filter set."""
    stmt = (
        select(ReturnCase.id)
        .join(Order, Order.id == ReturnCase.order_id)
        .where(ReturnCase.created_at >= scope.start, ReturnCase.created_at < scope.end)
    )
    if scope.market:
        stmt = stmt.where(ReturnCase.market == scope.market)
    if scope.channel:
        stmt = stmt.where(Order.channel == scope.channel)
    if scope.category:
        with_category = (
            select(ReturnItem.case_id)
            .join(OrderLine, OrderLine.id == ReturnItem.order_line_id)
            .where(OrderLine.category == scope.category)
        )
        stmt = stmt.where(ReturnCase.id.in_(with_category))
    if scope.carrier:
        carried = select(Shipment.case_id).where(Shipment.direction == "return", Shipment.carrier == scope.carrier)
        stmt = stmt.where(ReturnCase.id.in_(carried))
    return stmt


def _item_lines(scope: Scope) -> Any:
    """Return items of the cases in scope, with their order line (only the chosen category's lines)."""
    stmt = select(ReturnItem, OrderLine).join(OrderLine, OrderLine.id == ReturnItem.order_line_id)
    stmt = stmt.where(ReturnItem.case_id.in_(_cases(scope)))
    if scope.category:
        stmt = stmt.where(OrderLine.category == scope.category)
    return stmt


async def units_sold(session: AsyncSession, scope: Scope) -> list[tuple[str, str, int]]:
    """(sku, category, units) on orders placed in the period, in the chosen market, channel and category."""
    stmt = (
        select(OrderLine.sku, OrderLine.category, func.sum(OrderLine.quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.placed_at >= scope.start, Order.placed_at < scope.end)
        .group_by(OrderLine.sku, OrderLine.category)
    )
    if scope.market:
        stmt = stmt.where(Order.ship_to_country == scope.market)  # a case's market is its order's country
    if scope.channel:
        stmt = stmt.where(Order.channel == scope.channel)
    if scope.category:
        stmt = stmt.where(OrderLine.category == scope.category)
    return [(sku, category, int(units)) for sku, category, units in await session.execute(stmt)]


async def units_returned(session: AsyncSession, scope: Scope) -> list[tuple[str, str, str, int]]:
    """(sku, category, reason, units) sent back on orders placed in the period (cancelled or rejected requests
    brought nothing back, so they do not count)."""
    stmt = (
        select(OrderLine.sku, OrderLine.category, ReturnItem.reason, func.sum(ReturnItem.quantity))
        .join(OrderLine, OrderLine.id == ReturnItem.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(ReturnCase, ReturnCase.id == ReturnItem.case_id)
        .where(Order.placed_at >= scope.start, Order.placed_at < scope.end, ReturnCase.status.not_in(NOT_RETURNED))
        .group_by(OrderLine.sku, OrderLine.category, ReturnItem.reason)
    )
    if scope.market:
        stmt = stmt.where(ReturnCase.market == scope.market)
    if scope.channel:
        stmt = stmt.where(Order.channel == scope.channel)
    if scope.category:
        stmt = stmt.where(OrderLine.category == scope.category)
    return [(sku, cat, reason, int(units)) for sku, cat, reason, units in await session.execute(stmt)]


async def reasons(session: AsyncSession, scope: Scope) -> list[tuple[str, int]]:
    """(reason, units) asked to be returned in the cases in scope."""
    items = _item_lines(scope).subquery()
    stmt = select(items.c.reason, func.sum(items.c.quantity)).group_by(items.c.reason)
    return [(reason, int(units)) for reason, units in await session.execute(stmt)]


async def inspections(session: AsyncSession, scope: Scope) -> list[tuple[str, str | None, int]]:
    """(grade, disposition, units) of the inspected items of the cases in scope."""
    items = _item_lines(scope).where(ReturnItem.grade.is_not(None)).subquery()
    stmt = select(items.c.grade, items.c.disposition, func.sum(items.c.quantity)).group_by(
        items.c.grade, items.c.disposition
    )
    return [(grade, disposition, int(units)) for grade, disposition, units in await session.execute(stmt)]


class Paid(NamedTuple):
    requested_at: datetime
    paid_at: datetime


async def request_to_refund(session: AsyncSession, scope: Scope) -> list[Paid]:
    """When each case in scope was opened and when its first refund or store credit was paid."""
    first = (
        select(CaseEvent.case_id, func.min(CaseEvent.at).label("paid_at"))
        .where(CaseEvent.type.in_(("refund.succeeded", "store_credit.issued")), CaseEvent.case_id.in_(_cases(scope)))
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    stmt = select(ReturnCase.created_at, first.c.paid_at).join(first, first.c.case_id == ReturnCase.id)
    return [Paid(opened, paid) for opened, paid in await session.execute(stmt)]


SLA_EVENTS = ("escalated", "review_sla_started", "inspection_sla_started", "approved", "rejected", "cancelled",
              "inspected", "completed")  # fmt: skip


async def sla_timelines(session: AsyncSession, scope: Scope) -> dict[int, list[tuple[str, str | None]]]:
    """Each case's SLA-relevant events in order, as (type, escalation)."""
    stmt = (
        select(CaseEvent.case_id, CaseEvent.type, CaseEvent.data)
        .where(CaseEvent.case_id.in_(_cases(scope)), CaseEvent.type.in_(SLA_EVENTS))
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    )
    out: dict[int, list[tuple[str, str | None]]] = {}
    for case_id, type_, data in await session.execute(stmt):
        escalation = (data or {}).get("escalation") if type_ == "escalated" else None
        out.setdefault(case_id, []).append((type_, str(escalation) if escalation else None))
    return out


class Parcel(NamedTuple):
    carrier: str
    label_at: datetime
    events: list[dict[str, Any]]


async def return_parcels(session: AsyncSession, scope: Scope) -> list[Parcel]:
    """Return parcels of the cases in scope: carrier, when the label was made, the carrier's events."""
    stmt = select(Shipment.carrier, Shipment.created_at, Shipment.events).where(
        Shipment.direction == "return", Shipment.case_id.in_(_cases(scope))
    )
    if scope.carrier:
        stmt = stmt.where(Shipment.carrier == scope.carrier)
    return [Parcel(carrier, at, events or []) for carrier, at, events in await session.execute(stmt)]


async def ratings(session: AsyncSession, scope: Scope) -> list[tuple[int, int]]:
    """(score, how many) of the ratings customers gave the cases in scope."""
    stmt = (
        select(CaseRating.score, func.count()).where(CaseRating.case_id.in_(_cases(scope))).group_by(CaseRating.score)
    )
    return [(int(score), int(n)) for score, n in await session.execute(stmt)]


async def complaint_kinds(session: AsyncSession, scope: Scope) -> list[tuple[str, str, int]]:
    """(kind, status, how many) of the complaints about the cases in scope."""
    stmt = (
        select(Complaint.kind, Complaint.status, func.count())
        .where(Complaint.case_id.in_(_cases(scope)))
        .group_by(Complaint.kind, Complaint.status)
    )
    return [(kind, status, int(n)) for kind, status, n in await session.execute(stmt)]


async def filter_choices(session: AsyncSession) -> dict[str, list[str]]:
    """The markets, channels, categories and carriers there are, for the filter lists."""
    queries = {
        "market": select(ReturnCase.market).distinct(),
        "channel": select(Order.channel).distinct(),
        "category": select(OrderLine.category).distinct(),
        "carrier": select(Shipment.carrier).where(Shipment.direction == "return").distinct(),
    }
    return {name: sorted(str(v) for v in await session.scalars(q) if v) for name, q in queries.items()}
