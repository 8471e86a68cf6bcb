"""The audit trail of staff actions: who (and in which role, from where) did what to which case or record,
why, the state before and after, and whether it was done or refused. Rows are only ever added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry
from db.repositories.audit import add_entry


@dataclass(frozen=True)
class Who:
    """The person (or key) acting and where the request came from."""

    actor: str
    role: str
    ip: str | None = None


async def record(
    session: AsyncSession,
    who: Who,
    action: str,
    *,
    case_number: str | None = None,
    target: str | None = None,
    reason: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    outcome: str = "done",
) -> AuditEntry:
    """Add one audit entry (flushed; the caller commits it in a transaction of its own)."""
    entry = AuditEntry(
        at=datetime.now(UTC),
        actor=who.actor[:64],
        actor_role=who.role[:32],
        ip=(who.ip or None) and who.ip[:64],
        action=action[:64],
        case_number=case_number,
        target=target and target[:128],
        reason=reason,
        before=before,
        after=after,
        outcome=outcome,
    )
    add_entry(session, entry)
    await session.flush()
    return entry
