"""Finance actions with their audit entry: a report reconciled (or re-run) and a discrepancy resolved are
recorded in the same transaction as the change; a refused resolution is recorded on its own."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api.audited import refuse
from db.models import Discrepancy, ReconciliationRun
from domain.errors import Conflict, NotFound
from services import audit
from services.audit import Who
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
