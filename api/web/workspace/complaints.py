"""The complaints queue: open complaints by answer deadline; closing one needs the reply the customer gets."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.case_actions import act
from api.deps import ResourcesDep, RowId, SessionDep, TemporalDep
from api.web.forms import read_form
from api.web.i18n import N_, gettext
from api.web.pages import flash
from api.web.workspace.common import Agent, countdowns, who
from db.repositories.workspace import open_complaints
from domain.errors import DomainError
from services import audit
from services.workspace import resolve_complaint
from workflows.contracts import Note

router = APIRouter(include_in_schema=False)


@router.get("/workspace/complaints")
async def complaints(request: Request, staff: Agent, session: SessionDep, resources: ResourcesDep) -> Response:
    """Open complaints, the one due first at the top."""
    rows = await open_complaints(session)
    await session.commit()
    context = {"staff": staff, "rows": rows, "countdown": countdowns(datetime.now(UTC))}
    return resources.pages.render(request, "workspace/complaints.html", context)


@router.post("/workspace/complaints/{complaint_id}/resolve")
async def resolve(
    complaint_id: RowId,
    request: Request,
    staff: Agent,
    session: SessionDep,
    resources: ResourcesDep,
    temporal: TemporalDep,
) -> Response:
    """Answer and close a complaint: the reply is stored on it and joins the case's timeline."""
    form = await read_form(request)
    reply = str(form.values.get(f"reply_{complaint_id}", "")).strip()
    if not reply:
        form.error(f"reply_{complaint_id}", N_("Write the reply the customer will read."))
    if not form.ok:
        rows = await open_complaints(session)
        await session.commit()
        context = {
            "staff": staff,
            "rows": rows,
            "errors": form.errors,
            "values": form.values,
            "countdown": countdowns(datetime.now(UTC)),
        }
        return resources.pages.render(request, "workspace/complaints.html", context, status_code=422)
    found = [(c, n) for c, n in await open_complaints(session) if c.id == complaint_id]
    number = found[0][1] if found else None
    if number:
        # The timeline entry; a closed case's workflow has ended, and then the complaint row alone keeps the reply.
        with contextlib.suppress(DomainError):
            await act(temporal, session, number, "reply_complaint", Note(actor=staff.username, text=reply))
    complaint = await resolve_complaint(session, complaint_id, reply, staff.username, datetime.now(UTC))
    await audit.record(
        session, who(request, staff), "complaint.resolve", case_number=number, target=f"complaint:{complaint.id}",
        reason=reply, before={"status": "open"}, after={"status": "resolved"},
    )  # fmt: skip
    await session.commit()
    flash(request, gettext("The complaint is resolved and the reply saved."))
    return RedirectResponse("/workspace/complaints", status_code=303)
