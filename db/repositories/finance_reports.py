"""Queries behind finance's reports: account sums, money moved per day and market, costs per case, waiting refunds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LedgerEntry, Order, OrderLine, Refund, ReturnCase, ReturnItem
from domain.period import Period
from domain.reconciliation import PROVIDER_TENDERS

CHUNK = 5000


def _within(period: Period) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return LedgerEntry.at >= period.start, LedgerEntry.at < period.end


async def account_sums(session: AsyncSession, period: Period) -> list[tuple[str, str, int]]:
    """(currency, account, net signed amount) of every account that moved in the period."""
    stmt = (
        select(LedgerEntry.currency, LedgerEntry.account, func.sum(LedgerEntry.amount_minor))
        .where(*_within(period))
        .group_by(LedgerEntry.currency, LedgerEntry.account)
    )
    return [(currency, account, int(total)) for currency, account, total in await session.execute(stmt)]


class Movement(NamedTuple):
    at: datetime
    currency: str
    market: str | None
    type: str
    amount_minor: int


async def movements(session: AsyncSession, period: Period) -> AsyncIterator[list[Movement]]:
    """The debit side of every movement in the period (its size), with the case's market, a chunk at a time."""
    stmt = (
        select(LedgerEntry.at, LedgerEntry.currency, ReturnCase.market, LedgerEntry.type, LedgerEntry.amount_minor)
        .outerjoin(ReturnCase, ReturnCase.id == LedgerEntry.case_id)
        .where(*_within(period), LedgerEntry.amount_minor > 0)
    )
    result = await session.stream(stmt.execution_options(yield_per=CHUNK))
    async for rows in result.partitions(CHUNK):
        yield [Movement._make(row) for row in rows]


class CaseLeg(NamedTuple):
    case_number: str
    type: str
    account: str
    amount_minor: int
    currency: str


async def case_legs(session: AsyncSession, *, period: Period | None = None, number: str | None = None) -> list[CaseLeg]:
    """Ledger legs that belong to a case: those of the period, or of one case."""
    stmt = select(
        ReturnCase.number, LedgerEntry.type, LedgerEntry.account, LedgerEntry.amount_minor, LedgerEntry.currency
    ).join(ReturnCase, ReturnCase.id == LedgerEntry.case_id)
    if period is not None:
        stmt = stmt.where(*_within(period))
    if number is not None:
        stmt = stmt.where(ReturnCase.number == number)
    return [CaseLeg._make(row) for row in await session.execute(stmt.order_by(LedgerEntry.id))]


class ReturnedItem(NamedTuple):
    case_number: str
    reason: str
    sku: str
    category: str
    channel: str
    quantity: int  # returned
    line_quantity: int
    unit_price_minor: int
    line_tax_minor: int


async def returned_items(session: AsyncSession, numbers: Collection[str]) -> list[ReturnedItem]:
    """The items of these cases with the order line facts they are grouped and weighted by."""
    if not numbers:
        return []
    stmt = (
        select(
            ReturnCase.number,
            ReturnItem.reason,
            OrderLine.sku,
            OrderLine.category,
            Order.channel,
            ReturnItem.quantity,
            OrderLine.quantity,
            OrderLine.unit_price_minor,
            OrderLine.tax_minor,
        )
        .join(ReturnItem, ReturnItem.case_id == ReturnCase.id)
        .join(OrderLine, OrderLine.id == ReturnItem.order_line_id)
        .join(Order, Order.id == ReturnCase.order_id)
        .where(ReturnCase.number.in_(list(numbers)))
        .order_by(ReturnCase.number, ReturnItem.id)
    )
    return [ReturnedItem._make(row) for row in await session.execute(stmt)]


class WaitingRefund(NamedTuple):
    case_number: str
    reference: str
    amount_minor: int
    currency: str
    created_at: datetime


async def waiting_refunds(session: AsyncSession) -> AsyncIterator[list[WaitingRefund]]:
    """Refunds asked of the provider that it has not confirmed yet, oldest first, a chunk at a time."""
    stmt = (
        select(ReturnCase.number, Refund.idempotency_key, Refund.amount_minor, Refund.currency, Refund.created_at)
        .join(ReturnCase, ReturnCase.id == Refund.case_id)
        .where(Refund.status == "pending", Refund.tender_type.in_(PROVIDER_TENDERS))
        .order_by(Refund.created_at, Refund.id)
    )
    result = await session.stream(stmt.execution_options(yield_per=CHUNK))
    async for rows in result.partitions(CHUNK):
        yield [WaitingRefund._make(row) for row in rows]


async def case_ledger(session: AsyncSession, number: str) -> list[LedgerEntry]:
    """Every leg of one case, in the order they were posted."""
    stmt = (
        select(LedgerEntry)
        .join(ReturnCase, ReturnCase.id == LedgerEntry.case_id)
        .where(ReturnCase.number == number)
        .order_by(LedgerEntry.id)
    )
    return list(await session.scalars(stmt))


async def case_facts(session: AsyncSession, number: str) -> tuple[ReturnCase, Order] | None:
    stmt = select(ReturnCase, Order).join(Order, Order.id == ReturnCase.order_id).where(ReturnCase.number == number)
    found = (await session.execute(stmt)).one_or_none()
    return None if found is None else (found[0], found[1])
