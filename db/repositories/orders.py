"""Queries about customers and orders."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Customer, Order


async def get_order(session: AsyncSession, number: str) -> Order | None:
    stmt = (
        select(Order)
        .where(Order.number == number)
        .options(selectinload(Order.lines), selectinload(Order.tenders), selectinload(Order.customer))
    )
    return (await session.scalars(stmt)).one_or_none()


async def get_customer_by_email(session: AsyncSession, email: str) -> Customer | None:
    return (await session.scalars(select(Customer).where(Customer.email == email.lower()))).one_or_none()
