"""Queries for data retention: whose personal data may go, and every row that holds it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import CaseEvent, CasePhoto, CaseRating, Complaint, Customer, MailOutbox, Order, ReturnCase, ReturnItem


async def expired_order_ids(session: AsyncSession, closed: Sequence[str], cutoff: datetime, limit: int) -> list[int]:
    """Orders not yet redacted whose every return case is closed and untouched since before `cutoff`."""
    still_needed = case((ReturnCase.status.in_(closed) & (ReturnCase.updated_at < cutoff), 0), else_=1)
    stmt = (
        select(ReturnCase.order_id)
        .join(Order, Order.id == ReturnCase.order_id)
        .where(Order.redacted_at.is_(None))
        .group_by(ReturnCase.order_id)
        .having(func.max(still_needed) == 0)
        .order_by(ReturnCase.order_id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def orders_with_customer(session: AsyncSession, order_ids: Sequence[int]) -> list[Order]:
    stmt = select(Order).where(Order.id.in_(order_ids)).options(selectinload(Order.customer))
    return list(await session.scalars(stmt))


async def customer_orders(session: AsyncSession, customer_id: int) -> list[Order]:
    stmt = select(Order).where(Order.customer_id == customer_id).options(selectinload(Order.customer))
    return list(await session.scalars(stmt.order_by(Order.id)))


async def cases_of_orders(session: AsyncSession, order_ids: Sequence[int]) -> list[ReturnCase]:
    return list(await session.scalars(select(ReturnCase).where(ReturnCase.order_id.in_(order_ids))))


async def customer_by_id(session: AsyncSession, customer_id: int) -> Customer | None:
    return await session.get(Customer, customer_id)


async def personal_rows(session: AsyncSession, case_ids: Sequence[int]) -> dict[str, list[object]]:
    """Every row of these cases that may hold what a customer wrote, uploaded or was sent."""
    found: dict[str, list[object]] = {}
    for name, model in (
        ("items", ReturnItem),
        ("complaints", Complaint),
        ("ratings", CaseRating),
        ("photos", CasePhoto),
        ("mails", MailOutbox),
        ("events", CaseEvent),
    ):
        found[name] = list(await session.scalars(select(model).where(model.case_id.in_(case_ids))))
    return found
