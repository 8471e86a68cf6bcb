"""POST /workspace/bulk: approve, assign or cancel many cases at once; each case goes through its own
workflow update (a few at a time) and the page lists what happened to each one."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.audited import audited_act
from api.deps import ResourcesDep, SessionDep, TemporalDep
from api.web.forms import read_form
from api.web.i18n import N_
from api.web.workspace.common import Agent, who
from api.web.workspace.queues import render_queue
from db.repositories.access import get_staff_user
from domain.errors import DomainError
from workflows.contracts import Action, Note

router = APIRouter(include_in_schema=False)
CONCURRENCY = 8  # enough to finish 50 cases in a few seconds without flooding the workflow engine
MAX_CASES = 200
UPDATES = {"approve": "approve", "assign": "assign", "cancel": "cancel"}


@router.post("/workspace/bulk")
async def bulk(
    request: Request, staff: Agent, session: SessionDep, resources: ResourcesDep, temporal: TemporalDep
) -> Response:
    """Apply one action to every selected case and report, per case, done or refused with the reason."""
    form = await read_form(request)
    numbers = list(dict.fromkeys(str(n) for n in form.data.getlist("cases") if isinstance(n, str)))
    action = str(form.values.get("bulk_action", ""))
    reason = str(form.values.get("bulk_reason", "")).strip() or None
    assignee = str(form.values.get("bulk_assignee", "")).strip()
    if not numbers:
        form.error("cases", N_("Select at least one case."))
    elif len(numbers) > MAX_CASES:
        form.error("cases", N_("Select at most 200 cases at once."))
    if action not in UPDATES:
        form.error("bulk_action", N_("Please choose one of the options."))
    if action == "cancel" and not reason:
        form.error("bulk_reason", N_("Please give the reason for cancelling."))
    if action == "assign" and assignee and await get_staff_user(session, assignee) is None:
        form.error("bulk_assignee", N_("There is no such staff user."))
    await session.commit()
    if not form.ok:
        values = {**form.values, "cases": numbers}
        return await render_queue(
            request, staff, session, resources, bulk_errors=form.errors, bulk_values=values, status_code=422
        )
    context: dict[str, Any] = {"staff": staff, "errors": {}, "action": action, "results": []}
    me = who(request, staff)
    arg: Action | Note = (
        Note(actor=staff.username, text=assignee) if action == "assign" else Action(actor=staff.username, reason=reason)
    )
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(number: str) -> dict[str, str]:
        async with gate, resources.sessionmaker() as own:
            try:
                view = await audited_act(temporal, own, me, number, UPDATES[action], arg, reason=reason)
            except DomainError as refused:
                return {"number": number, "outcome": "refused", "detail": refused.detail}
            return {"number": number, "outcome": "done", "detail": view.status}

    context["results"] = await asyncio.gather(*(one(n) for n in numbers))
    context["done"] = sum(1 for r in context["results"] if r["outcome"] == "done")
    return resources.pages.render(request, "workspace/bulk.html", context)
