"""Finance actions with their audit entry: a report reconciled (or re-run), a discrepancy resolved and a drawback
payout booked are recorded in the same transaction as the change; a refusal is recorded on its own."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.audited import refuse
from db.models import Discrepancy, DrawbackClaim, ReconciliationRun
from db.repositories.cases import case_number
from db.repositories.customs import drawback_by_reference
from domain.errors import Conflict, NotFound
from services import audit
from services.audit import Who
from services.customs import drawback_paid
from services.reconciliation import resolve_discrepancy


async def audit_run(session: AsyncSession, who: Who, run: ReconciliationRun, action: str) -> None:
    """Record a new run (flushed with it; the route commits both)."""
    after = {
        "filename": run.filename,
        "rows": run.rows_total,
        "matched": run.matched,
        "discrepancies": run.discrepancy_count,
    }
    await audit.record(session, who, action, target=f"reconciliation run {run.id}", after=after)


async def audited_resolve(session: AsyncSession, who: Who, discrepancy_id: int, note: str) -> Discrepancy:
    """Resolve a discrepancy with finance's note and audit it; committed. A refusal is audited, then raised."""
    action, target = "reconciliation.resolve", f"discrepancy {discrepancy_id}"
    try:
        found = await resolve_discrepancy(session, discrepancy_id, note, who.actor)
    except (Conflict, NotFound) as refused:
        await session.rollback()
        await refuse(session, who, action, None, refused.detail, reason=note)
        raise
    after = {"resolved": True, "kind": found.kind, "run_id": found.run_id}
    await audit.record(session, who, action, target=target, reason=note, before={"resolved": False}, after=after)
    await session.commit()
    return found


async def audited_drawback_paid(session: AsyncSession, who: Who, reference: str) -> DrawbackClaim:
    """Book the customs authority's payout of a drawback claim (money in) with its audit entry; committed. A
    refusal (no such claim, already paid) is audited, then raised."""
    action, target = "drawback.paid", f"drawback {reference}"
    found = await drawback_by_reference(session, reference)
    before = {"status": found.status} if found else None
    number = await case_number(session, found.case_id) if found else None
    try:
        claim = await drawback_paid(session, reference, at=datetime.now(UTC))
    except (Conflict, NotFound) as refused:
        await session.rollback()
        after = {"refused": refused.detail}
        await audit.record(
            session, who, action, case_number=number, target=target, before=before, after=after, outcome="refused"
        )
        await session.commit()
        raise
    money = {"amount": claim.amount_minor, "currency": claim.currency}
    paid_at = claim.paid_at.isoformat() if claim.paid_at else None
    await audit.record(
        session,
        who,
        action,
        case_number=number,
        target=target,
        before=before,
        after={"status": claim.status, "amount": money, "paid_at": paid_at},
    )
    await session.commit()
    return claim
