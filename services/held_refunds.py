"""The finance list of cases held because their refund failed permanently (never silently dropped)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Refund, ReturnCase
from db.repositories.held_refunds import held_cases, is_held


async def hold_of(session: AsyncSession, case: ReturnCase) -> str | None:
    """'refund_failed' while the case is held for finance, else None (shown on the case)."""
    return "refund_failed" if await is_held(session, case) else None


async def held_for_finance(session: AsyncSession) -> list[dict[str, Any]]:
    """Each held case with the refund parts that failed and why, oldest first."""
    out = []
    for case, failed_at in await held_cases(session):
        failed = await session.scalars(
            select(Refund).where(Refund.case_id == case.id, Refund.status == "failed").order_by(Refund.n, Refund.id)
        )
        out.append(
            {
                "number": case.number,
                "status": case.status,
                "market": case.market,
                "failed_at": failed_at.isoformat(),
                "failed": [
                    {
                        "id": r.idempotency_key,
                        "amount": {"amount": r.amount_minor, "currency": r.currency},
                        "tender": r.tender_type,
                        "reason": r.failure_reason,
                    }
                    for r in failed
                ],
            }
        )
    return out
