"""Cases held for finance: the refund failed permanently and the case waits, escalated, for someone to act."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Exists, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from db.models import CaseEvent, ReturnCase

HELD_STATUS = "resolving"  # the refund started and did not finish: the case never moves on by itself


def _failed(case_id: QueryableAttribute[int] | int) -> Exists:
    return exists().where(CaseEvent.case_id == case_id, CaseEvent.type == "refund.failed")


async def held_cases(session: AsyncSession, *, limit: int = 200) -> list[tuple[ReturnCase, datetime]]:
    """Held cases, oldest failure first, with when the refund failed."""
    failed_at = (
        select(CaseEvent.at)
        .where(CaseEvent.case_id == ReturnCase.id, CaseEvent.type == "refund.failed")
        .order_by(CaseEvent.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(ReturnCase, failed_at)
        .where(ReturnCase.status == HELD_STATUS, ReturnCase.escalated.is_(True), _failed(ReturnCase.id))
        .order_by(failed_at, ReturnCase.id)
        .limit(limit)
    )
    return [(case, at) for case, at in await session.execute(stmt)]


async def is_held(session: AsyncSession, case: ReturnCase) -> bool:
    if case.status != HELD_STATUS or not case.escalated:
        return False
    return bool(await session.scalar(select(_failed(case.id))))
