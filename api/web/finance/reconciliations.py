"""Reconciliation pages: upload a settlement report, list runs, review a run, resolve, re-run, download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from starlette.datastructures import UploadFile

from api.deps import ResourcesDep, RowId, SessionDep, SettingsDep
from api.exports import run_csv_response, run_xlsx_response
from api.finance_audit import audit_run, audited_resolve
from api.web import i18n
from api.web.finance.charts import Chart, Segment, stacked_bars
from api.web.finance.common import FinancePage, actor, labels, use_locale
from api.web.forms import Form, read_form
from api.web.i18n import N_
from api.web.pages import flash
from core.settings import Settings
from db.models import ReconciliationRun
from domain.errors import Conflict, InvalidInput
from domain.period import Period
from domain.reconciliation import Kind
from services.finance_views import list_runs, run_view
from services.reconciliation import read_run, run_reconciliation
from services.settlement_store import keep_report, report_path, rerun

router = APIRouter(prefix="/finance/reconciliations")
UPLOAD_PATH = "/finance/reconciliations"
# Twice the report limit reaches the parser, which refuses an oversized file with a message in the page; only
# a far larger body meets the middleware's bare 413.
BODY_FACTOR = 2
MULTIPART_SLACK = 64 * 1024
SHOWN = 500  # discrepancies listed on the page; the exports hold them all
NO_FILE = N_("Please choose the settlement report file (CSV).")
BAD_FILE = N_("This file cannot be reconciled: %(detail)s")
BAD_PERIOD = N_("Please give both dates as YYYY-MM-DD, the end on or after the start, or leave both empty.")
NO_NOTE = N_("Please say how this was resolved (up to 2000 characters).")


def body_limits(settings: Settings) -> dict[str, int]:
    """The upload page's path may carry a report up to the upload limit (the parser refuses past it, clearly)."""
    return {UPLOAD_PATH: settings.max_upload_bytes * BODY_FACTOR + MULTIPART_SLACK}


async def _runs_page(
    request: Request, who: Any, session: SessionDep, resources: ResourcesDep, form: Form | None = None
) -> Response:
    context = {
        "staff": who,
        "section": "reconciliations",
        "runs": await list_runs(session),
        "values": form.values if form else {},
        "errors": form.errors if form else {},
        **labels(),
    }
    return resources.pages.render(request, "finance/reconciliations.html", context, status_code=422 if form else 200)


@router.get("")
async def runs_page(request: Request, who: FinancePage, session: SessionDep, resources: ResourcesDep) -> Response:
    """The upload form and the latest runs."""
    use_locale(request)
    return await _runs_page(request, who, session, resources)


def _period(form: Form) -> Period | None:
    start, end = (str(form.values.get(k, "")).strip() or None for k in ("from", "to"))
    try:
        return Period.parse(start, end)
    except InvalidInput as err:
        for name in err.fields or {"to": ""}:
            form.error(name, BAD_PERIOD)
        return None


@router.post("")
async def upload(
    request: Request, who: FinancePage, session: SessionDep, resources: ResourcesDep, settings: SettingsDep
) -> Response:
    """Reconcile an uploaded report in this request and show its run; a malformed file is explained, nothing kept."""
    use_locale(request)
    form = await read_form(request, max_files=1)
    files = form.files("file")
    if not files:
        form.error("file", NO_FILE)
    period = _period(form)
    if not form.ok:
        return await _runs_page(request, who, session, resources, form)
    report: UploadFile = files[0]
    try:
        run = await run_reconciliation(
            session,
            report.file,
            filename=report.filename or "settlement.csv",
            actor=who.username,
            period=period,
            max_bytes=settings.max_upload_bytes,
        )
    except InvalidInput as err:
        await session.rollback()
        form.errors["file"] = i18n.gettext(BAD_FILE) % {"detail": err.detail}
        return await _runs_page(request, who, session, resources, form)
    await audit_run(session, actor(request, who), run, "reconciliation.upload")
    await keep_report(settings.upload_dir, run.id, report.file)
    await session.commit()
    flash(request, _summary(run))
    return RedirectResponse(f"{UPLOAD_PATH}/{run.id}", status_code=303)


def _summary(run: ReconciliationRun) -> str:
    return i18n.gettext(N_("Reconciled %(rows)s rows: %(matched)s matched, %(open)s discrepancies.")) % {
        "rows": run.rows_total,
        "matched": run.matched,
        "open": run.discrepancy_count,
    }


def _kinds_chart(view: dict[str, Any], kind_labels: dict[str, str]) -> Chart:
    counts = {"matched": view["matched"], **dict.fromkeys((k.value for k in Kind), 0)}
    for d in view["discrepancies"]:
        counts[d["kind"]] += 1
    shown = [k for k, n in counts.items() if n or k in ("matched", *(d["kind"] for d in view["discrepancies"]))]
    return stacked_bars(
        i18n.gettext(N_("Refund rows by outcome")),
        [kind_labels[k] for k in shown],
        [[Segment(f"kind-{k}", counts[k], f"{kind_labels[k]}: {counts[k]}")] for k in shown],
        str,
    )


async def _run_page(
    request: Request,
    who: Any,
    session: SessionDep,
    resources: ResourcesDep,
    settings: Settings,
    run_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    view = run_view(await read_run(session, run_id))
    kind = request.query_params.get("kind", "")
    listed = [d for d in view["discrepancies"] if not kind or d["kind"] == kind]
    by_kind: dict[str, int] = {}
    for d in view["discrepancies"]:
        by_kind[d["kind"]] = by_kind.get(d["kind"], 0) + 1
    names = labels()
    context = {
        "staff": who,
        "section": "reconciliations",
        "run": view,
        "by_kind": by_kind,
        "kind": kind,
        "listed": listed[:SHOWN],
        "more": max(len(listed) - SHOWN, 0),
        "chart": _kinds_chart(view, names["kind_labels"]),
        "kept": report_path(settings.upload_dir, run_id).exists(),
        "errors": errors or {},
        "values": values or {},
        **names,
    }
    return resources.pages.render(request, "finance/run.html", context, status_code=422 if errors else 200)


@router.get("/{run_id:int}")
async def run_page(
    run_id: RowId,
    request: Request,
    who: FinancePage,
    session: SessionDep,
    resources: ResourcesDep,
    settings: SettingsDep,
) -> Response:
    """A run: totals per currency, counts and a chart by outcome, and each discrepancy with its resolution."""
    use_locale(request)
    return await _run_page(request, who, session, resources, settings, run_id)


@router.post("/{run_id:int}/rerun")
async def rerun_run(
    run_id: RowId,
    request: Request,
    who: FinancePage,
    session: SessionDep,
    resources: ResourcesDep,
    settings: SettingsDep,
) -> Response:
    """Reconcile the run's kept report again against today's refunds; the new run opens."""
    use_locale(request)
    form = await read_form(request)
    if not form.ok:
        return await _run_page(request, who, session, resources, settings, run_id, form.errors)
    try:
        run = await rerun(session, settings.upload_dir, run_id, actor=who.username, max_bytes=None)
    except Conflict as err:
        return await _run_page(request, who, session, resources, settings, run_id, {"form": err.detail})
    await audit_run(session, actor(request, who), run, "reconciliation.rerun")
    await session.commit()
    flash(request, _summary(run))
    return RedirectResponse(f"{UPLOAD_PATH}/{run.id}", status_code=303)


@router.post("/discrepancies/{discrepancy_id:int}/resolve")
async def resolve(
    discrepancy_id: RowId,
    request: Request,
    who: FinancePage,
    session: SessionDep,
    resources: ResourcesDep,
    settings: SettingsDep,
) -> Response:
    """Close a discrepancy with finance's note (kept with who and when)."""
    use_locale(request)
    form = await read_form(request)
    posted_run = str(form.values.get("run_id", ""))
    run_id = int(posted_run) if posted_run.isdigit() else 0
    note = str(form.values.get("note", "")).strip()
    field = f"note-{discrepancy_id}"
    if form.ok and not 0 < len(note) <= 2000:
        form.error(field, NO_NOTE)
    if form.ok:
        try:
            found = await audited_resolve(session, actor(request, who), discrepancy_id, note)
        except Conflict as err:
            form.errors["form"] = err.detail
        else:
            run_id = found.run_id
            flash(request, i18n.gettext(N_("Discrepancy resolved.")))
            return RedirectResponse(f"{UPLOAD_PATH}/{run_id}#d-{discrepancy_id}", status_code=303)
    values = {field: note}
    return await _run_page(request, who, session, resources, settings, run_id, form.errors, values)


@router.get("/{run_id:int}.csv")
async def run_csv(run_id: RowId, who: FinancePage, session: SessionDep) -> StreamingResponse:
    """The run as CSV, downloaded from its page."""
    return run_csv_response(await read_run(session, run_id))


@router.get("/{run_id:int}.xlsx")
async def run_xlsx(run_id: RowId, who: FinancePage, session: SessionDep) -> Response:
    """The run as XLSX, downloaded from its page."""
    return run_xlsx_response(await read_run(session, run_id))
