"""/api/v1/orders: storefronts and order systems upsert orders; returns are checked against them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from fastapi.responses import PlainTextResponse

from api.deps import SessionDep, SettingsDep, integration
from core.settings import Settings
from services import case_links
from services.access import Integration
from services.order_import import import_orders, report_csv
from services.order_input import OrderInput
from services.orders import order_view, read_order, upsert_order

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])
IMPORT_PATH = "/api/v1/orders/import"


def body_limits(settings: Settings) -> dict[str, int]:
    """The order import takes files as large as settlement reports."""
    return {IMPORT_PATH: settings.max_upload_bytes + 64_000}


@router.post("", status_code=201, responses={200: {"description": "An existing order was updated"}})
async def put_order(
    body: OrderInput,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    _key: Annotated[Integration, Depends(integration("orders:write"))],
) -> dict[str, Any]:
    """Create the order, or update the one with the same number (never a duplicate)."""
    order, created = await upsert_order(session, body)
    view = _with_return_link(order_view(order), settings)
    await session.commit()
    response.status_code = 201 if created else 200
    return view


@router.get("/{number}")
async def get_order(
    number: str,
    session: SessionDep,
    settings: SettingsDep,
    _key: Annotated[Integration, Depends(integration("orders:read"))],
) -> dict[str, Any]:
    return _with_return_link(order_view(await read_order(session, number)), settings)


def _with_return_link(view: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The signed "Start a return" link for the order's confirmation mail."""
    secret = settings.session_secret.get_secret_value()
    view["return_url"] = case_links.start_url(
        settings.public_base_url, secret, view["number"], view["customer"]["email"]
    )
    return view


@router.post("/import", response_model=None)
async def import_file(
    session: SessionDep,
    _key: Annotated[Integration, Depends(integration("orders:write"))],
    file: Annotated[UploadFile, File(description="orders CSV, one row per order line (docs/order-import.md)")],
    report: Annotated[str, Query(pattern="^(json|csv)$", description="csv: every row's outcome as CSV")] = "json",
) -> dict[str, Any] | PlainTextResponse:
    """Import orders from a CSV file: good orders are upserted by number, bad ones refused row by row."""
    result = await import_orders(session, file.file)
    if report == "csv":
        return PlainTextResponse(report_csv(result), media_type="text/csv")
    return {
        "totals": result.totals,
        "refused": [{"line": r.line, "order_number": r.order_number, "reason": r.reason} for r in result.refused],
    }
