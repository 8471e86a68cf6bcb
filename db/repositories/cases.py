"""Queries about return cases and their projection."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReturnCase


async def lock_case(session: AsyncSession, number: str) -> ReturnCase | None:
    """The case row, locked for the transaction on PostgreSQL (SQLite serialises writers anyway)."""
    stmt = select(ReturnCase).where(ReturnCase.number == number).with_for_update()
    return (await session.scalars(stmt)).one_or_none()
