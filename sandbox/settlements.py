"""The provider's settlement report: what really moved, as the CSV finance feeds to reconciliation."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from fastapi import APIRouter, Query, Response

from sandbox.state import SandboxDep, error, exponent
from sandbox.store import iso

router = APIRouter(prefix="/payments", tags=["payments"])

COLUMNS = ["id", "type", "amount", "fee", "net", "currency", "created", "payout_id", "reference"]
FEE_PER_MILLE = 29  # 2.9 % of a charge, like a common card processor; refunds cost nothing


def major(minor: int, currency: str) -> str:
    """Minor units to the decimal major-unit string providers export ('-12.30', JPY '1299')."""
    places = exponent(currency)
    return f"{Decimal(minor).scaleb(-places):.{places}f}"


def charge_fee(amount: int) -> int:
    return (amount * FEE_PER_MILLE + 500) // 1000  # half up, in integer minor units


def payout_id(created: str) -> str:
    return f"po_{created[:10].replace('-', '')}"  # one payout per UTC day


def _bound(text: str | None, *, end: bool) -> datetime | None:
    """A date covers its whole UTC day (so `to` is inclusive); a datetime is exact, `to` exclusive."""
    if text is None:
        return None
    text = text.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) if end else start
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get("/settlements")
async def settlement_report(
    sandbox: SandboxDep,
    from_: str | None = Query(None, alias="from", description="date or ISO datetime, inclusive"),
    to: str | None = Query(None, description="date (inclusive) or ISO datetime (exclusive)"),
) -> Response:
    """Charges captured and refunds paid out in the period, one balance transaction per row."""
    try:
        start, end = _bound(from_, end=False), _bound(to, end=True)
    except ValueError:
        return error(400, "invalid_period", "from and to must be ISO-8601 dates or datetimes")
    low = iso(start) if start else ""
    high = iso(end) if end else "9999"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows: list[tuple[str, list[str]]] = []
    for c in sandbox.store.charges_between(low, high):
        fee = charge_fee(c.amount)
        rows.append(
            (
                c.created_at,
                [
                    c.id,
                    "charge",
                    major(c.amount, c.currency),
                    major(fee, c.currency),
                    major(c.amount - fee, c.currency),
                    c.currency,
                    c.created_at,
                    payout_id(c.created_at),
                    c.reference or "",
                ],
            )
        )
    for r in sandbox.store.refunds_settled_between(low, high):
        at = r.settled_at or r.created_at
        rows.append(
            (
                at,
                [
                    r.id,
                    "refund",
                    major(-r.amount, r.currency),
                    major(0, r.currency),
                    major(-r.amount, r.currency),
                    r.currency,
                    at,
                    payout_id(at),
                    r.reference,
                ],
            )
        )
    writer.writerows(row for _, row in sorted(rows, key=lambda pair: pair[0]))
    name = f"settlement_{(from_ or 'all')[:10]}_{(to or 'now')[:10]}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
