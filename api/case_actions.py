"""Agent and customer actions reach a case only through its workflow's updates."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import InvalidTransition, Unavailable
from workflows.contracts import CaseView, case_workflow_id


async def act(temporal: Client, session: AsyncSession, number: str, update: str, arg: Any) -> CaseView:
    """Run the update; its validator's refusal becomes a 409 with the workflow's own explanation."""
    # Never hold a transaction across a Temporal call: the update's projection write needs the database
    # (on SQLite even an open read transaction would block it).
    await session.commit()
    handle = temporal.get_workflow_handle(case_workflow_id(number))
    try:
        view: CaseView = await handle.execute_update(update, arg, result_type=CaseView)
    except WorkflowUpdateFailedError as failed:
        cause = failed.cause
        message = cause.message if isinstance(cause, ApplicationError) else "this action is not allowed now"
        raise InvalidTransition(message) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise InvalidTransition("this case is closed: nothing more can be done on it") from None
        raise Unavailable("the case engine is unavailable; try again shortly") from None
    return view
