"""GET /workspace: the agents' queues (saved views, filters, search, keyset pages), a plain GET form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ResourcesDep, SessionDep, Staff
from api.resources import Resources
from api.web.i18n import gettext
from api.web.workspace.common import RISK_LABELS, STATUS_LABELS, VIEW_LABELS, Agent, countdowns
from db.repositories.queues import case_staff, staff_id
from domain.policy.model import EU_MEMBER_STATES
from services.queues import COUNT_CAP, QueueRequest, filters_from, queue_page

router = APIRouter(include_in_schema=False)
FIELDS = (
    "view",
    "q",
    "status",
    "sla",
    "assignee",
    "market",
    "resolution",
    "risk",
    "currency",
    "value_min",
    "value_max",
    "age",
)
RESOLUTIONS = ("refund", "store_credit", "exchange", "replacement", "repair", "keep_it")


@router.get("/workspace")
async def queue(request: Request, staff: Agent, session: SessionDep, resources: ResourcesDep) -> Response:
    """The queue an agent works from: filtered, sorted and paged without OFFSET so it stays fast."""
    return await render_queue(request, staff, session, resources)


async def render_queue(
    request: Request,
    staff: Staff,
    session: AsyncSession,
    resources: Resources,
    *,
    bulk_errors: dict[str, str] | None = None,
    bulk_values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The queue page; after a refused bulk form, with its problems marked and the selection kept."""
    now = datetime.now(UTC)
    params = {k: v for k in FIELDS if (v := request.query_params.get(k, "").strip())}
    req = QueueRequest(params)
    me = await staff_id(session, staff.username)
    wanted = params.get("assignee", "")
    who_id = me if wanted == "me" else (await staff_id(session, wanted) if wanted and wanted != "none" else None)
    filters = filters_from(
        req, me=me, assignee_id=who_id, unknown_assignee=bool(wanted) and wanted != "none" and who_id is None
    )
    # Replies wait in the order they came: the customer who has waited longest is answered first.
    sort = request.query_params.get("sort") or ("replied" if params.get("view") == "replied" else "newest")
    found = await queue_page(session, filters, now=now, sort=sort, cursor=request.query_params.get("after"), me=me)
    names = await case_staff(session)
    await session.commit()
    base = {**params, "sort": found.sort}
    chosen = (bulk_values or {}).get("cases", [])
    context = {
        "staff": staff,
        "values": {**params, "sort": found.sort, **(bulk_values or {})},
        "errors": {**{k: gettext(v) for k, v in req.errors.items()}, **(bulk_errors or {})},
        "selected": set(chosen if isinstance(chosen, list) else [chosen]),
        "page": found,
        "count_cap": COUNT_CAP,
        "statuses": STATUS_LABELS,
        "views": VIEW_LABELS,
        "risks": RISK_LABELS,
        "resolutions": RESOLUTIONS,
        "markets": sorted({"CN", "TW", "HK", "US", "GB", "JP", *EU_MEMBER_STATES}),
        "staff_names": names,
        "next_url": f"/workspace?{urlencode({**base, 'after': found.next_cursor})}" if found.next_cursor else None,
        "first_url": f"/workspace?{urlencode(base)}" if request.query_params.get("after") else None,
        "view_url": lambda v: f"/workspace?{urlencode({'view': v})}",
        "countdown": countdowns(now),
    }
    return resources.pages.render(request, "workspace/queue.html", context, status_code=status_code)
