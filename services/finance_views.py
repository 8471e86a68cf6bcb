"""Finance read models as the API shows them: money as {amount, currency}, timestamps ISO-8601 with offset."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Discrepancy, ReconciliationRun
from db.repositories.finance import ledger_entries, recent_runs
from domain.money import check_currency
from domain.period import parse_bound

LEDGER_PAGE_MAX = 1000


def _money(minor: int | None, currency: str | None) -> dict[str, Any] | None:
    return None if minor is None or currency is None else {"amount": minor, "currency": currency}


def run_summary(run: ReconciliationRun) -> dict[str, Any]:
    """A run without its discrepancies: counts, totals per currency and period."""
    return {
        "id": run.id,
        "filename": run.filename,
        "status": run.status,
        "period": {
            "from": run.period_from.isoformat() if run.period_from else None,
            "to": run.period_to.isoformat() if run.period_to else None,
        },
        "rows": run.rows_total,
        "refund_rows": run.refund_rows,
        "matched": run.matched,
        "discrepancy_count": run.discrepancy_count,
        "totals": {
            currency: {
                "rows": t["rows"],
                "gross": _money(t["gross"], currency),
                "fees": _money(t["fees"], currency),
                "net": _money(t["net"], currency),
            }
            for currency, t in run.totals.items()
        },
        "created_by": run.created_by,
        "created_at": run.created_at.isoformat(),
    }


def run_view(run: ReconciliationRun) -> dict[str, Any]:
    """The run with every discrepancy (they must have been loaded with it)."""
    return {**run_summary(run), "discrepancies": [discrepancy_view(d) for d in run.discrepancies]}


def discrepancy_view(d: Discrepancy) -> dict[str, Any]:
    return {
        "id": d.id,
        "run_id": d.run_id,
        "kind": d.kind,
        "provider_txn_id": d.provider_txn_id,
        "reference": d.reference,
        "expected": _money(d.expected_minor, d.expected_currency),
        "actual": _money(d.actual_minor, d.actual_currency),
        "line": d.line,
        "resolved": d.resolved_at is not None,
        "resolved_at": d.resolved_at.isoformat() if d.resolved_at else None,
        "resolved_by": d.resolved_by,
        "resolution_note": d.resolution_note,
    }


async def list_runs(session: AsyncSession, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs, newest first, without their discrepancies."""
    return [run_summary(run) for run in await recent_runs(session, limit)]


async def list_ledger(
    session: AsyncSession,
    *,
    start: str | None = None,
    end: str | None = None,
    currency: str | None = None,
    type_: str | None = None,
    after: int = 0,
    limit: int = 200,
) -> dict[str, Any]:
    """One page of ledger legs by filters; `next_after` continues the listing (None on the last page)."""
    limit = max(1, min(limit, LEDGER_PAGE_MAX))
    rows = await ledger_entries(
        session,
        start=parse_bound(start, end=False, field="from") if start else None,
        end=parse_bound(end, end=True, field="to") if end else None,
        currency=check_currency(currency) if currency else None,
        type_=type_,
        after_id=after,
        limit=limit,
    )
    entries = [
        {
            "id": entry.id,
            "txn_id": entry.txn_id,
            "case_number": number,
            "type": entry.type,
            "account": entry.account,
            "amount": _money(entry.amount_minor, entry.currency),
            "reference": entry.reference,
            "at": entry.at.isoformat(),
        }
        for entry, number in rows
    ]
    return {"entries": entries, "next_after": entries[-1]["id"] if len(entries) == limit else None}
