"""Finance reports: money moved by day, currency and market; trial balance; cost of returns; refund ageing."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories.finance_reports import (
    account_sums,
    case_facts,
    case_ledger,
    case_legs,
    movements,
    returned_items,
    waiting_refunds,
)
from domain.ageing import BOUNDS_DAYS, age_buckets
from domain.errors import NotFound
from domain.period import Period
from domain.return_costs import COMPONENTS, POSTED_TODAY, CostLeg, Costs, ItemShare, case_costs, group_costs
from domain.trial_balance import trial_balance

# What finance reports money under: ledger types by the family they belong to.
CATEGORIES = ("refunds", "store_credits", "claims", "duties")
CATEGORY_BY_TYPE = {
    "refund": "refunds",
    "goodwill": "refunds",
    "store_credit": "store_credits",
    "insurance_payout": "claims",
    "insurance_shortfall": "claims",
    "duty_paid": "duties",  # drawback is a recovery, not a payment: it shows in the cost of returns
}
GROUPINGS = ("reason", "sku", "category", "channel")
OLDEST_SHOWN = 20


def money(minor: int, currency: str) -> dict[str, Any]:
    return {"amount": minor, "currency": currency}


def period_view(period: Period) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


async def overview(session: AsyncSession, period: Period) -> dict[str, Any]:
    """Refunds, store credits, claims and duties in the period: totals, each UTC day and each market, per currency."""
    totals: dict[str, dict[str, list[int]]] = defaultdict(lambda: {c: [0, 0] for c in CATEGORIES})
    days: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(CATEGORIES, 0)))
    markets: dict[str, dict[str, dict[str, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: {c: [0, 0] for c in CATEGORIES})
    )
    async for chunk in movements(session, period):
        for at, currency, market, type_, amount in chunk:
            category = CATEGORY_BY_TYPE.get(type_)
            if category is None:
                continue
            for sums in (totals[currency][category], markets[currency][market or "—"][category]):
                sums[0] += 1
                sums[1] += amount
            days[currency][at.date().isoformat()][category] += amount
    every_day = [(period.start + timedelta(days=i)).date().isoformat() for i in range((period.end - period.start).days)]
    return {
        "period": period_view(period),
        "categories": list(CATEGORIES),
        "currencies": [
            {
                "currency": cur,
                "totals": {c: {"count": n, "amount": money(a, cur)} for c, (n, a) in totals[cur].items()},
                "days": [
                    {"day": day, **{c: money(days[cur][day][c] if day in days[cur] else 0, cur) for c in CATEGORIES}}
                    for day in every_day
                ],
                "markets": [
                    {"market": m, **{c: {"count": n, "amount": money(a, cur)} for c, (n, a) in sums.items()}}
                    for m, sums in sorted(markets[cur].items())
                ],
            }
            for cur in sorted(totals)
        ],
    }


async def trial_balance_view(session: AsyncSession, period: Period) -> dict[str, Any]:
    """Every account's movement in the period per currency; debits equal credits unless a posting was unbalanced."""
    balances = trial_balance(await account_sums(session, period))
    return {
        "period": period_view(period),
        "currencies": [
            {
                "currency": b.currency,
                "lines": [
                    {
                        "account": line.account,
                        "class": line.account_class,
                        "debit": money(line.debit, b.currency),
                        "credit": money(line.credit, b.currency),
                        "balance": money(line.balance, b.currency),
                    }
                    for line in b.lines
                ],
                "debits": money(b.debits, b.currency),
                "credits": money(b.credits, b.currency),
                "difference": money(b.difference, b.currency),
                "balanced": b.difference == 0,
            }
            for b in balances
        ],
    }


def _costs_view(costs: Costs) -> dict[str, Any]:
    return {
        "currency": costs.currency,
        "cases": len(costs.cases),
        "parts": {c: money(costs.get(c), costs.currency) for c in COMPONENTS},
        "total": money(costs.total, costs.currency),
    }


async def cost_of_returns(session: AsyncSession, period: Period) -> dict[str, Any]:
    """What returns cost in the period, per case and grouped by reason, product and channel, per currency."""
    legs = await case_legs(session, period=period)
    per_case = case_costs(CostLeg(*leg) for leg in legs)
    shares: dict[str, list[ItemShare]] = defaultdict(list)
    for item in await returned_items(session, per_case.keys()):
        tax = item.line_tax_minor * item.quantity // max(item.line_quantity, 1)
        weight = item.unit_price_minor * item.quantity + tax
        shares[item.case_number].append(ItemShare(item.reason, item.sku, item.category, item.channel, weight))
    totals: dict[str, Costs] = {}
    for costs in per_case.values():
        total = totals.setdefault(costs.currency, Costs(costs.currency))
        total.cases |= costs.cases
        for component, amount in costs.parts.items():
            total.add(component, amount)
    return {
        "period": period_view(period),
        "components": list(COMPONENTS),
        "posted_today": sorted(POSTED_TODAY),
        "totals": [_costs_view(totals[c]) for c in sorted(totals)],
        "cases": [{"number": n, **_costs_view(c)} for n, c in sorted(per_case.items())],
        "groups": {
            by: [{"key": key, **_costs_view(c)} for (_, key), c in sorted(group_costs(per_case, shares, by).items())]
            for by in GROUPINGS
        },
    }


async def refund_ageing(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Refunds waiting for the provider's confirmation, by how long they have waited, and the oldest of them."""
    waiting: list[tuple[str, int, datetime]] = []
    oldest: list[dict[str, Any]] = []
    async for chunk in waiting_refunds(session):
        for number, reference, amount, currency, asked_at in chunk:
            waiting.append((currency, amount, asked_at))
            if len(oldest) < OLDEST_SHOWN:
                oldest.append(
                    {
                        "case_number": number,
                        "reference": reference,
                        "amount": money(amount, currency),
                        "asked_at": asked_at.isoformat(),
                        "waiting_days": (now - asked_at).days,
                    }
                )
    bounds = (0, *BOUNDS_DAYS, None)
    return {
        "buckets": [
            {
                "from_days": bounds[b.index],
                "to_days": bounds[b.index + 1],
                "count": b.count,
                "amounts": [money(a, c) for c, a in sorted(b.amounts.items())],
            }
            for b in age_buckets(waiting, now)
        ],
        "waiting": len(waiting),
        "oldest": oldest,
    }


async def case_money(session: AsyncSession, number: str) -> dict[str, Any]:
    """One case as finance sees it: its ledger legs and what it cost, component by component."""
    found = await case_facts(session, number)
    if found is None:
        raise NotFound(f"no case numbered {number}", code="case_not_found")
    case, order = found
    legs = await case_ledger(session, number)
    costs = case_costs(CostLeg(number, leg.type, leg.account, leg.amount_minor, leg.currency) for leg in legs)
    return {
        "number": case.number,
        "status": case.status,
        "resolution": case.resolution,
        "market": case.market,
        "channel": order.channel,
        "order_number": order.number,
        "currency": case.currency,
        "ledger": [
            {
                "id": leg.id,
                "txn_id": leg.txn_id,
                "type": leg.type,
                "account": leg.account,
                "amount": money(leg.amount_minor, leg.currency),
                "at": leg.at.isoformat(),
            }
            for leg in legs
        ],
        "costs": _costs_view(costs.get(number) or Costs(case.currency)),
    }
