"""/admin/orders/import: an admin uploads the merchant's orders CSV (docs/order-import.md) and reads, row by row,
what was imported, updated or refused and why; good rows are kept even when others are refused."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ResourcesDep, SessionDep
from api.web.forms import read_form
from api.web.i18n import N_
from api.web.workspace.common import Admin, who
from core.settings import Settings
from domain.errors import InvalidInput
from services import audit
from services.order_import import import_orders

router = APIRouter(include_in_schema=False)

UPLOAD_PATH = "/admin/orders/import"
SHOWN = 500  # refused rows listed on the page; the API's CSV report has them all


def body_limits(settings: Settings) -> dict[str, int]:
    """The upload page takes order files as large as the API's import does."""
    return {UPLOAD_PATH: settings.max_upload_bytes + 64_000}


@router.get(UPLOAD_PATH)
async def import_page(request: Request, staff: Admin, resources: ResourcesDep) -> Response:
    """The upload form and the file format."""
    context: dict[str, Any] = {"staff": staff, "errors": {}, "report": None}
    return resources.pages.render(request, "admin_import.html", context)


@router.post(UPLOAD_PATH)
async def upload(request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep) -> Response:
    """Import the file: every good order upserted by number, each bad row refused with its line and reason."""
    form = await read_form(request, max_files=1)
    files = form.files("file")
    if form.ok and not files:
        form.error("file", N_("Please choose a file."))
    report = None
    if form.ok:
        try:
            report = await import_orders(session, files[0].file)
        except InvalidInput as bad:
            await session.rollback()
            form.errors.setdefault("file", bad.detail)
    if report is None:
        context: dict[str, Any] = {"staff": staff, "errors": form.errors, "report": None}
        return resources.pages.render(request, "admin_import.html", context, status_code=422)
    await audit.record(
        session, who(request, staff), "orders.import", target=files[0].filename, after=dict(report.totals)
    )
    await session.commit()
    refused = report.refused
    context = {
        "staff": staff,
        "errors": {},
        "report": {"totals": report.totals, "refused": refused[:SHOWN], "more": max(0, len(refused) - SHOWN)},
        "filename": files[0].filename,
    }
    return resources.pages.render(request, "admin_import.html", context)
