"""Case actions with their audit entry: the workflow update runs outside any transaction, then one entry
(done or refused, with the state before and after) is committed in a transaction of its own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from temporalio.client import Client

from api.case_actions import act
from domain.errors import DomainError
from services import audit
from services.audit import Who
from services.case_views import find_case
from workflows.contracts import CaseView


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _state(session: AsyncSession, number: str) -> dict[str, Any] | None:
    case = await find_case(session, number)
    if case is None:
        return None
    return {"status": case.status, "seq": case.last_event_seq, "assignee_id": case.assignee_id}


async def audited_act(
    temporal: Client,
    session: AsyncSession,
    who: Who,
    number: str,
    update: str,
    arg: Any,
    *,
    reason: str | None = None,
    target: str | None = None,
) -> CaseView:
    """Run the case's workflow update and audit it, whether the workflow did it or refused."""
    before = await _state(session, number)
    try:
        view = await act(temporal, session, number, update, arg)
    except DomainError as refused:
        await session.rollback()
        await refuse(session, who, f"case.{update}", number, refused.detail, reason=reason, before=before)
        raise
    after = {"status": view.status, "seq": view.seq}
    await audit.record(
        session, who, f"case.{update}", case_number=number, target=target, reason=reason, before=before, after=after
    )
    await session.commit()
    return view


async def refuse(
    session: AsyncSession,
    who: Who,
    action: str,
    number: str | None,
    why: str,
    *,
    reason: str | None = None,
    before: dict[str, Any] | None = None,
) -> None:
    """Audit an attempt that was refused (by the workflow, a role rule or a stale page), committed at once."""
    await audit.record(
        session,
        who,
        action,
        case_number=number,
        reason=reason,
        before=before,
        after={"refused": why},
        outcome="refused",
    )
    await session.commit()
