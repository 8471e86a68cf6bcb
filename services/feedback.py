"""What a customer tells us about a case: complaints (with their own answer deadline) and a closing rating."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CaseRating, Complaint, ReturnCase
from db.models.feedback import COMPLAINT_KINDS
from db.repositories.photos import case_rating
from domain.errors import Conflict, InvalidInput
from domain.policy import MarketPolicy

CLOSED = ("completed", "cancelled", "rejected")


def complaint_due(case: ReturnCase, now: datetime) -> datetime:
    """When the complaint must be answered, by the SLA in the case's policy snapshot."""
    return now + timedelta(hours=MarketPolicy.model_validate(case.policy_snapshot).sla.complaint_response_hours)


async def raise_complaint(
    session: AsyncSession, case: ReturnCase, kind: str, message: str, *, now: datetime
) -> Complaint:
    """Open a complaint on the case, due within the complaint SLA. Flushes."""
    if kind not in COMPLAINT_KINDS:
        raise InvalidInput(f"unknown complaint kind '{kind}'", fields={"kind": "unknown"})
    if not message.strip():
        raise InvalidInput("a complaint needs a message", fields={"message": "empty"})
    complaint = Complaint(case_id=case.id, kind=kind, message=message.strip(), due_at=complaint_due(case, now))
    session.add(complaint)
    await session.flush()
    return complaint


async def rate(session: AsyncSession, case: ReturnCase, score: int, comment: str | None) -> CaseRating:
    """Record the customer's 1-5 rating of a closed case, once. Flushes."""
    if case.status not in CLOSED:
        raise Conflict("a return can be rated once it is closed", code="case_not_closed")
    if not 1 <= score <= 5:
        raise InvalidInput("a rating is 1 to 5", fields={"score": "out of range"})
    if await case_rating(session, case.id) is not None:
        raise Conflict("this return was already rated", code="already_rated")
    rating = CaseRating(case_id=case.id, score=score, comment=(comment or "").strip() or None)
    session.add(rating)
    await session.flush()
    return rating
