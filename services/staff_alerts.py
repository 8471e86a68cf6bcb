"""Mail to supervisors when a case breaches an SLA: queued in the projection transaction of the escalation, so
a breach is never silently passed over and never announced twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import MailOutbox, ReturnCase
from db.repositories.mails import add_once

BREACH_SUFFIX = "_sla_breached"


async def enqueue_sla_breach(
    session: AsyncSession, case: ReturnCase, *, seq: int, data: dict[str, Any], to: str
) -> None:
    """Tell the supervisors a case passed its review or inspection SLA (other escalations are not breaches)."""
    escalation = str(data.get("escalation", ""))
    if not escalation.endswith(BREACH_SUFFIX):
        return
    mail = MailOutbox(
        dedupe_key=f"{case.number}:{seq}:supervisors",
        case_id=case.id,
        to_address=to,
        locale="en",  # staff mail
        template="sla_breached",
        # `case_number`, not `number`: a staff mail carries no customer links
        context={
            "case_number": case.number,
            "sla": escalation.removesuffix(BREACH_SUFFIX),
            "due_at": data.get("due_at"),
            "status": case.status,
            "market": case.market,
        },
    )
    await add_once(session, mail)
