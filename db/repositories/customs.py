"""Queries for cross-border returns: declarations, drawback claims, stored FX rates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CustomsDeclaration, DrawbackClaim, FxRate, Order, OrderLine, ReturnCase, ReturnItem


async def get_fx(session: AsyncSession, on: date, base: str, quote: str) -> FxRate | None:
    stmt = select(FxRate).where(FxRate.on_date == on, FxRate.base == base, FxRate.quote == quote)
    return (await session.scalars(stmt)).one_or_none()


async def declaration_for(session: AsyncSession, case_id: int) -> CustomsDeclaration | None:
    return (
        await session.scalars(select(CustomsDeclaration).where(CustomsDeclaration.case_id == case_id))
    ).one_or_none()


async def drawback_for(session: AsyncSession, case_id: int) -> DrawbackClaim | None:
    return (await session.scalars(select(DrawbackClaim).where(DrawbackClaim.case_id == case_id))).one_or_none()


async def case_with_order(session: AsyncSession, number: str) -> tuple[ReturnCase, Order] | None:
    row = (
        await session.execute(
            select(ReturnCase, Order).join(Order, Order.id == ReturnCase.order_id).where(ReturnCase.number == number)
        )
    ).one_or_none()
    return (row[0], row[1]) if row else None


async def returned_lines(session: AsyncSession, case_id: int) -> list[tuple[ReturnItem, OrderLine]]:
    """The case's items with their order lines, eligible ones only (the goods actually coming back)."""
    rows = await session.execute(
        select(ReturnItem, OrderLine)
        .join(OrderLine, OrderLine.id == ReturnItem.order_line_id)
        .where(ReturnItem.case_id == case_id, ReturnItem.eligible.is_(True))
        .order_by(OrderLine.position)
    )
    return [(item, line) for item, line in rows]


async def declaration_by_broker_ref(session: AsyncSession, broker_ref: str) -> tuple[CustomsDeclaration, str] | None:
    """The declaration the broker knows by `broker_ref`, with its case number."""
    row = (
        await session.execute(
            select(CustomsDeclaration, ReturnCase.number)
            .join(ReturnCase, ReturnCase.id == CustomsDeclaration.case_id)
            .where(CustomsDeclaration.broker_ref == broker_ref)
        )
    ).one_or_none()
    return (row[0], row[1]) if row else None


async def drawback_by_reference(session: AsyncSession, reference: str) -> DrawbackClaim | None:
    stmt = select(DrawbackClaim).where(DrawbackClaim.reference == reference).with_for_update()
    return (await session.scalars(stmt)).one_or_none()
