"""Queries on the append-only audit log (inserts and reads only: no update, no delete)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry


def add_entry(session: AsyncSession, entry: AuditEntry) -> None:
    session.add(entry)


async def entries_for_case(session: AsyncSession, case_number: str, *, limit: int = 200) -> Sequence[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.case_number == case_number)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def recent_entries(session: AsyncSession, *, limit: int = 100) -> Sequence[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


async def entries_between(
    session: AsyncSession,
    *,
    start: datetime | None,
    end: datetime | None,
    action: str | None,
    after_id: int,
    limit: int,
) -> Sequence[AuditEntry]:
    """Entries in id order (the order they were written, a stable cursor), `at` within [start, end)."""
    stmt = select(AuditEntry).where(AuditEntry.id > after_id).order_by(AuditEntry.id).limit(limit)
    if start is not None:
        stmt = stmt.where(AuditEntry.at >= start)
    if end is not None:
        stmt = stmt.where(AuditEntry.at < end)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    return (await session.scalars(stmt)).all()
