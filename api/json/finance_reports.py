"""/api/v1/finance/*: finance's reports as JSON (trial balance, cost of returns, overview, refund ageing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.json.finance import FinanceStaff
from domain.errors import InvalidInput
from domain.period import Period
from services.finance_reports import case_money, cost_of_returns, overview, refund_ageing, trial_balance_view

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])
DEFAULT_DAYS = 30
MAX_DAILY_DAYS = 366
From = Annotated[
    str | None, Query(alias="from", description="date (whole UTC day) or ISO datetime; default 30 days ago")
]
To = Annotated[str | None, Query(description="date (inclusive) or ISO datetime (exclusive); default today")]


def _period(start: str | None, end: str | None) -> Period:
    period = Period.parse(start, end)
    if period is None:
        today = datetime.now(UTC).date()
        period = Period.parse(str(today - timedelta(days=DEFAULT_DAYS - 1)), str(today))
        assert period is not None
    return period


@router.get("/trial-balance")
async def trial_balance(session: SessionDep, _staff: FinanceStaff, from_: From = None, to: To = None) -> dict[str, Any]:
    """Each account's debits, credits and balance for the period per currency; `balanced` is false only on a bug."""
    return await trial_balance_view(session, _period(from_, to))


@router.get("/cost-of-returns")
async def costs(session: SessionDep, _staff: FinanceStaff, from_: From = None, to: To = None) -> dict[str, Any]:
    """What returns cost in the period by component: totals, per case, and per reason, SKU, category and channel."""
    return await cost_of_returns(session, _period(from_, to))


@router.get("/overview")
async def money_overview(
    session: SessionDep, _staff: FinanceStaff, from_: From = None, to: To = None
) -> dict[str, Any]:
    """Refunds, store credits, claims and duties per currency: totals, per UTC day and per market."""
    period = _period(from_, to)
    if period.end - period.start > timedelta(days=MAX_DAILY_DAYS):
        raise InvalidInput("a daily overview covers at most 366 days", fields={"to": "at most 366 days after from"})
    return await overview(session, period)


@router.get("/refund-ageing")
async def ageing(session: SessionDep, _staff: FinanceStaff) -> dict[str, Any]:
    """Refunds the provider has not confirmed yet, by days waiting, and the oldest of them."""
    return await refund_ageing(session, datetime.now(UTC))


@router.get("/cases/{number}")
async def case(number: str, session: SessionDep, _staff: FinanceStaff) -> dict[str, Any]:
    """One case's ledger legs and its cost of return by component."""
    return await case_money(session, number)
