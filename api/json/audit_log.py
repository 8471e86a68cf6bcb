"""GET /api/v1/audit-log: the append-only audit log exported for auditors, as JSON pages or one CSV (admins only:
it holds staff addresses and the reasons staff typed, and the admin page is where it is read today)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from api.audited import client_ip
from api.deps import SessionDep, Staff, staff
from services import audit
from services.audit_export import audit_csv, list_audit

router = APIRouter(prefix="/api/v1", tags=["audit"])
AdminStaff = Annotated[Staff, Depends(staff("admin"))]
CSV = {"description": "format=csv: every entry of the period, one per line", "content": {"text/csv": {}}}


@router.get("/audit-log", response_model=None, responses={200: CSV})
async def audit_log(
    request: Request,
    session: SessionDep,
    admin: AdminStaff,
    from_: Annotated[str | None, Query(alias="from", description="date (whole UTC day) or ISO datetime")] = None,
    to: Annotated[str | None, Query(description="date (inclusive) or ISO datetime (exclusive)")] = None,
    action: Annotated[str | None, Query(max_length=64, description="only this action, e.g. drawback.paid")] = None,
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
    after: Annotated[int, Query(ge=0, le=2_147_483_647, description="JSON: continue after this entry id")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="JSON: entries per page")] = 200,
) -> dict[str, Any] | StreamingResponse:
    """Who did what, when, from where, to which case, why, before and after, done or refused; the export itself
    is audited too."""
    filters = {"from": from_, "to": to, "action": action, "format": format_, "after": after}
    who = audit.Who(admin.username, admin.role, client_ip(request))
    # Recorded first, so the export holds its own entry; a refused period rolls it back (never committed).
    await audit.record(session, who, "audit_log.export", after={k: v for k, v in filters.items() if v})
    if format_ == "json":
        page = await list_audit(session, start=from_, end=to, action=action, after=after, limit=limit)
        await session.commit()
        return page
    name, lines = audit_csv(session, start=from_, end=to, action=action)
    await session.commit()
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(lines, media_type="text/csv; charset=utf-8", headers=headers)
