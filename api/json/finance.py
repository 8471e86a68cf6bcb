"""/api/v1/ledger and /api/v1/reconciliations: finance reads the ledger and reconciles settlement reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from api.audited import client_ip
from api.deps import RowId, SessionDep, SettingsDep, Staff, staff
from api.exports import run_csv_response, run_xlsx_response
from api.finance_audit import audit_run, audited_resolve
from core.settings import Settings
from domain.period import Period
from services.audit import Who
from services.finance_views import discrepancy_view, list_ledger, list_runs, run_view
from services.reconciliation import read_run, run_reconciliation
from services.settlement_store import keep_report, rerun

router = APIRouter(prefix="/api/v1", tags=["finance"])
FinanceStaff = Annotated[Staff, Depends(staff("finance"))]  # finance, or admin
UPLOAD_PATH = "/api/v1/reconciliations"  # the route below: the one path allowed a large body
MULTIPART_SLACK = 64 * 1024  # boundaries and part headers around the file itself


def _who(request: Request, staff: Staff) -> Who:
    return Who(staff.username, staff.role, client_ip(request))


def body_limits(settings: Settings) -> dict[str, int]:
    """Paths allowed a body above the app-wide cap: the settlement report upload, up to its own limit."""
    return {UPLOAD_PATH: settings.max_upload_bytes + MULTIPART_SLACK}


@router.get("/ledger")
async def ledger(
    session: SessionDep,
    _staff: FinanceStaff,
    from_: Annotated[str | None, Query(alias="from", description="date (whole UTC day) or ISO datetime")] = None,
    to: Annotated[str | None, Query(description="date (inclusive) or ISO datetime (exclusive)")] = None,
    currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    type_: Annotated[str | None, Query(alias="type", max_length=32)] = None,
    after: Annotated[int, Query(ge=0, description="continue after this entry id")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Ledger legs (refunds, credits, fees kept, …) in id order, money as {amount, currency}."""
    return await list_ledger(session, start=from_, end=to, currency=currency, type_=type_, after=after, limit=limit)


@router.post("/reconciliations", status_code=201)
async def upload_report(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: FinanceStaff,
    file: Annotated[UploadFile, File(description="the provider's settlement report, CSV in UTF-8")],
    from_: Annotated[str | None, Form(alias="from", description="period start; default: the report's 1st day")] = None,
    to: Annotated[str | None, Form(description="period end (a date is inclusive); default: its last day")] = None,
) -> dict[str, Any]:
    """Reconcile a settlement report against our refunds; answers with the run and its discrepancies."""
    run = await run_reconciliation(
        session,
        file.file,
        filename=file.filename or "settlement.csv",
        actor=who.username,
        period=Period.parse(from_, to),
        max_bytes=settings.max_upload_bytes,
    )
    view = run_view(run)
    await audit_run(session, _who(request, who), run, "reconciliation.upload")
    await keep_report(settings.upload_dir, run.id, file.file)  # so the run can be re-run later
    await session.commit()
    return view


@router.get("/reconciliations")
async def runs(session: SessionDep, _staff: FinanceStaff) -> dict[str, Any]:
    """The latest reconciliation runs, newest first, without their discrepancies."""
    return {"runs": await list_runs(session)}


@router.get("/reconciliations/{run_id}.csv", response_class=StreamingResponse)
async def run_csv(run_id: RowId, session: SessionDep, _staff: FinanceStaff) -> StreamingResponse:
    """The run as CSV: totals per currency, then every discrepancy."""
    return run_csv_response(await read_run(session, run_id))


@router.get("/reconciliations/{run_id}.xlsx", response_class=Response)
async def run_xlsx(run_id: RowId, session: SessionDep, _staff: FinanceStaff) -> Response:
    """The run as an XLSX workbook: a Totals sheet and a Discrepancies sheet."""
    return run_xlsx_response(await read_run(session, run_id))


@router.post("/reconciliations/{run_id}/rerun", status_code=201)
async def rerun_report(
    run_id: RowId, request: Request, session: SessionDep, settings: SettingsDep, who: FinanceStaff
) -> dict[str, Any]:
    """Reconcile the run's kept report again against today's refunds; answers with the new run."""
    run = await rerun(session, settings.upload_dir, run_id, actor=who.username, max_bytes=None)
    view = run_view(run)
    await audit_run(session, _who(request, who), run, "reconciliation.rerun")
    await session.commit()
    return view


@router.get("/reconciliations/{run_id}")
async def run(run_id: RowId, session: SessionDep, _staff: FinanceStaff) -> dict[str, Any]:
    return run_view(await read_run(session, run_id))


class Resolution(BaseModel):
    note: str = Field(min_length=1, max_length=2000, description="how it was resolved, kept with who and when")


@router.post("/reconciliations/discrepancies/{discrepancy_id}/resolve")
async def resolve(
    discrepancy_id: RowId, body: Resolution, request: Request, session: SessionDep, who: FinanceStaff
) -> dict[str, Any]:
    """Close a discrepancy with finance's note (audited); the run is resolved once none is left open."""
    return discrepancy_view(await audited_resolve(session, _who(request, who), discrepancy_id, body.note))
