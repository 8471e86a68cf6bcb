"""Downloads of a reconciliation run, shared by the JSON API and the finance pages."""

from __future__ import annotations

from fastapi.responses import Response, StreamingResponse

from db.models import ReconciliationRun
from services.reconciliation import export_csv
from services.reconciliation_xlsx import export_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(run: ReconciliationRun, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="reconciliation-{run.id}.{extension}"'}


def run_csv_response(run: ReconciliationRun) -> StreamingResponse:
    """The run as CSV: totals per currency, then every discrepancy."""
    return StreamingResponse(export_csv(run), media_type="text/csv; charset=utf-8", headers=_attachment(run, "csv"))


def run_xlsx_response(run: ReconciliationRun) -> Response:
    """The run as an XLSX workbook: a Totals sheet and a Discrepancies sheet."""
    return Response(export_xlsx(run), media_type=XLSX, headers=_attachment(run, "xlsx"))
