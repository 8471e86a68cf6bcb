"""Queries behind the ledger movements a return books besides its refund: what is booked already, the refund's
plan on the timeline, the case's items and its order."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import CaseEvent, LedgerEntry, Order, OrderLine, ReturnItem


async def booked_txn_ids(session: AsyncSession, txn_ids: Collection[str]) -> set[str]:
    """Those of these ledger transactions that are booked already."""
    if not txn_ids:
        return set()
    stmt = select(LedgerEntry.txn_id).where(LedgerEntry.txn_id.in_(list(txn_ids))).distinct()
    return set(await session.scalars(stmt))


async def txn_legs(session: AsyncSession, txn_id: str) -> list[LedgerEntry]:
    """The legs of one ledger transaction, in booking order."""
    return list(await session.scalars(select(LedgerEntry).where(LedgerEntry.txn_id == txn_id).order_by(LedgerEntry.id)))


async def last_event_data(session: AsyncSession, case_id: int, type_: str, before_seq: int) -> dict[str, Any] | None:
    """The data of the case's latest event of this type before `before_seq`; None when there is none."""
    stmt = (
        select(CaseEvent.data)
        .where(CaseEvent.case_id == case_id, CaseEvent.type == type_, CaseEvent.seq < before_seq)
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def order_with_lines(session: AsyncSession, order_id: int) -> Order:
    """The order with its lines and tenders loaded (what the refund maths reads)."""
    stmt = select(Order).where(Order.id == order_id).options(selectinload(Order.lines), selectinload(Order.tenders))
    return (await session.scalars(stmt)).one()


async def case_items(session: AsyncSession, case_id: int) -> list[tuple[ReturnItem, str]]:
    """The case's items, each with the id of its order line."""
    stmt = (
        select(ReturnItem, OrderLine.line_id)
        .join(OrderLine, OrderLine.id == ReturnItem.order_line_id)
        .where(ReturnItem.case_id == case_id)
        .order_by(ReturnItem.id)
    )
    return [(item, line_id) for item, line_id in await session.execute(stmt)]
