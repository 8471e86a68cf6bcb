"""Finance CSV exports: the ledger by filters (read a page at a time while it streams) and the cost per case."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.return_costs import COMPONENTS
from services.csv_text import csv_lines, csv_lines_async, inert_text, major_units
from services.finance_views import LEDGER_PAGE_MAX, list_ledger

LEDGER_COLUMNS = ["id", "at", "case_number", "type", "account", "amount", "currency", "txn_id", "reference"]


async def _ledger_rows(
    session: AsyncSession, start: str, end: str, currency: str | None, type_: str | None
) -> AsyncIterator[Sequence[object]]:
    yield LEDGER_COLUMNS
    after: int | None = 0
    while after is not None:
        page = await list_ledger(
            session, start=start, end=end, currency=currency, type_=type_, after=after, limit=LEDGER_PAGE_MAX
        )
        for e in page["entries"]:
            money = e["amount"]
            yield [
                e["id"],
                e["at"],
                e["case_number"] or "",
                inert_text(e["type"]),
                inert_text(e["account"]),
                major_units(money["amount"], money["currency"]),
                money["currency"],
                inert_text(e["txn_id"]),
                inert_text(e["reference"]),
            ]
        after = page["next_after"]


def ledger_csv(
    session: AsyncSession, *, start: str, end: str, currency: str | None, type_: str | None
) -> AsyncIterator[str]:
    """Every ledger leg matching the filters as CSV lines, amounts in major units."""
    return csv_lines_async(_ledger_rows(session, start, end, currency, type_))


def costs_csv(report: dict[str, Any]) -> Iterator[str]:
    """The cost of returns per case (from `cost_of_returns`) as CSV lines, amounts in major units."""
    rows: list[Sequence[object]] = [["case_number", "currency", *COMPONENTS, "total"]]
    for case in report["cases"]:
        currency = case["currency"]
        parts = [major_units(case["parts"][c]["amount"], currency) for c in COMPONENTS]
        rows.append([case["number"], currency, *parts, major_units(case["total"]["amount"], currency)])
    return csv_lines(rows)
