"""Queries for the agent's case page: the customer and order, ledger lines, complaints."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Complaint, Customer, LedgerEntry, Order, OrderLine, ReturnCase, StaffUser


async def order_and_customer(session: AsyncSession, case: ReturnCase) -> tuple[Order, Customer]:
    row = (
        await session.execute(
            select(Order, Customer).join(Customer, Customer.id == Order.customer_id).where(Order.id == case.order_id)
        )
    ).one()
    return row[0], row[1]


async def order_lines(session: AsyncSession, order_id: int) -> Sequence[OrderLine]:
    stmt = select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.position)
    return (await session.scalars(stmt)).all()


async def ledger_lines(session: AsyncSession, case_id: int) -> Sequence[LedgerEntry]:
    stmt = select(LedgerEntry).where(LedgerEntry.case_id == case_id).order_by(LedgerEntry.at, LedgerEntry.id)
    return (await session.scalars(stmt)).all()


async def complaints_of(session: AsyncSession, case_id: int) -> Sequence[Complaint]:
    stmt = select(Complaint).where(Complaint.case_id == case_id).order_by(Complaint.created_at.desc())
    return (await session.scalars(stmt)).all()


async def assignee_name(session: AsyncSession, case: ReturnCase) -> str | None:
    if case.assignee_id is None:
        return None
    return await session.scalar(select(StaffUser.username).where(StaffUser.id == case.assignee_id))


async def open_complaints(session: AsyncSession, *, limit: int = 200) -> Sequence[tuple[Complaint, str]]:
    """Open complaints, the most urgent first, with their case numbers."""
    stmt = (
        select(Complaint, ReturnCase.number)
        .join(ReturnCase, ReturnCase.id == Complaint.case_id)
        .where(Complaint.status == "open")
        .order_by(Complaint.due_at, Complaint.id)
        .limit(limit)
    )
    return [(c, n) for c, n in await session.execute(stmt)]


async def get_complaint(session: AsyncSession, complaint_id: int) -> Complaint | None:
    return await session.get(Complaint, complaint_id)
