"""Queries about return cases and their projection."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Refund, ReturnCase, Shipment


async def lock_case(session: AsyncSession, number: str) -> ReturnCase | None:
    """The case row, locked for the transaction on PostgreSQL (SQLite serialises writers anyway)."""
    stmt = select(ReturnCase).where(ReturnCase.number == number).with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def find_shipment(session: AsyncSession, tracking_number: str) -> Shipment | None:
    return (await session.scalars(select(Shipment).where(Shipment.tracking_number == tracking_number))).one_or_none()


async def find_refund(session: AsyncSession, idempotency_key: str) -> Refund | None:
    return (await session.scalars(select(Refund).where(Refund.idempotency_key == idempotency_key))).one_or_none()


async def requested_at(session: AsyncSession, number: str) -> datetime | None:
    """When the customer asked for the return (the case was filed)."""
    return await session.scalar(select(ReturnCase.created_at).where(ReturnCase.number == number))


async def case_number(session: AsyncSession, case_id: int) -> str | None:
    return await session.scalar(select(ReturnCase.number).where(ReturnCase.id == case_id))
