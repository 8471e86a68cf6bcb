"""GET /workspace/cases/{number}: everything about one case, and the forms to act on it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ResourcesDep, RowId, SessionDep, Staff
from api.resources import Resources
from api.web.i18n import N_
from api.web.workspace.common import CLOSED, DEADLINE_LABELS, STATUS_LABELS, Agent, countdowns
from api.web.workspace.customs import LABELS as CUSTOMS_LABELS
from api.web.workspace.goods import LABELS as GOODS_LABELS
from api.web.workspace.goods import waiting_for_customer
from db.models import ReturnCase
from services.case_views import get_case
from services.photos import photo_file
from services.workspace import case_page
from workflows.contracts import case_workflow_id

router = APIRouter(include_in_schema=False)
GRADES = (
    ("A", N_("unopened, as new")),
    ("B", N_("opened, like new")),
    ("C", N_("used or damaged by the customer")),
    ("D", N_("unsalvageable")),
    ("X", N_("wrong item, empty box, not ours")),
)
SUPERVISING = ("supervisor", "admin")


async def render_case(
    request: Request,
    resources: Resources,
    session: AsyncSession,
    staff: Staff,
    case: ReturnCase,
    *,
    status_code: int = 200,
    refusal: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    """The case page; after a refused action it shows why (status 409/403/422) with the agent's input kept."""
    data = await case_page(session, case)
    await session.commit()
    settings = resources.settings
    context = {
        **data,
        "staff": staff,
        "refusal": refusal,
        "errors": errors or {},
        "values": values or {},
        "statuses": STATUS_LABELS,
        "deadline_labels": DEADLINE_LABELS,
        "closed": case.status in CLOSED,
        "grades": GRADES,
        "supervising": staff.role in SUPERVISING,
        "temporal_url": f"{settings.temporal_ui_url}/workflows/{case_workflow_id(case.number)}",
        "countdown": countdowns(datetime.now(UTC)),
        "customs_labels": CUSTOMS_LABELS,
        "goods_labels": GOODS_LABELS,
        "asked": waiting_for_customer(data["case"]),
    }
    return resources.pages.render(request, "workspace/case.html", context, status_code=status_code)


@router.get("/workspace/cases/{number}")
async def case_detail(
    number: str, request: Request, staff: Agent, session: SessionDep, resources: ResourcesDep
) -> Response:
    """The case page: customer, order, items with photos, timeline, money, shipments, deadlines, actions."""
    case = await get_case(session, number)
    return await render_case(request, resources, session, staff, case)


@router.get("/workspace/cases/{number}/photos/{photo_id}")
async def case_photo(
    number: str, photo_id: RowId, staff: Agent, session: SessionDep, resources: ResourcesDep
) -> Response:
    """A customer's photo of the case, for staff only (stored outside the web root by the photo service)."""
    case = await get_case(session, number)
    path, content_type = await photo_file(session, resources.settings.upload_dir, case.id, photo_id)
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})
