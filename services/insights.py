"""The supervisors' insights: return rates by product and reason, request-to-refund times, SLA compliance,
inspection outcomes, carrier times on return legs, ratings and complaint themes, for the cases in scope."""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import insights as repo
from domain.insights import (
    Scope,
    buckets,
    delivered_at,
    hours_between,
    return_rates,
    sla_outcomes,
    summarise,
    tally,
)

TOP_SKUS = 20


async def insights(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    """Every figure of the insights page, read in one session."""
    sold = await repo.units_sold(session, scope)
    returned = await repo.units_returned(session, scope)
    paid = await repo.request_to_refund(session, scope)
    refund_hours = [hours_between(p.requested_at, p.paid_at) for p in paid]
    grades: Counter[str] = Counter()
    dispositions: Counter[str] = Counter()
    for grade, disposition, units in await repo.inspections(session, scope):
        grades[grade] += units
        dispositions[disposition or "—"] += units
    return {
        "skus": return_rates([(s, n) for s, _, n in sold], [(s, r, n) for s, _, r, n in returned])[:TOP_SKUS],
        "sku_categories": {sku: category for sku, category, _ in sold} | {s: c for s, c, _, _ in returned},
        "categories": return_rates([(c, n) for _, c, n in sold], [(c, r, n) for _, c, r, n in returned]),
        "reasons": sorted(await repo.reasons(session, scope), key=lambda rn: (-rn[1], rn[0])),
        "refund_time": summarise(refund_hours),
        "refund_buckets": buckets(refund_hours),
        "sla": tally(sla_outcomes(events) for events in (await repo.sla_timelines(session, scope)).values()),
        "grades": dict(sorted(grades.items())),
        "dispositions": dispositions.most_common(),
        "carriers": await _carriers(session, scope),
        "ratings": await _ratings(session, scope),
        "complaints": await _complaints(session, scope),
    }


async def _carriers(session: AsyncSession, scope: Scope) -> list[dict[str, Any]]:
    """Per carrier: return parcels, how many were delivered, and label-to-delivery times."""
    hours: dict[str, list[float]] = {}
    parcels: Counter[str] = Counter()
    for parcel in await repo.return_parcels(session, scope):
        parcels[parcel.carrier] += 1
        done = delivered_at(parcel.events)
        if done is not None:
            hours.setdefault(parcel.carrier, []).append(hours_between(parcel.label_at, done))
    return [
        {"carrier": carrier, "parcels": n, "time": summarise(hours.get(carrier, []))}
        for carrier, n in sorted(parcels.items())
    ]


async def _ratings(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    by_score = dict(await repo.ratings(session, scope))
    count = sum(by_score.values())
    total = sum(score * n for score, n in by_score.items())
    average = (Decimal(total) / count).quantize(Decimal("0.1"), ROUND_HALF_EVEN) if count else None
    return {"count": count, "average": average, "by_score": [by_score.get(s, 0) for s in range(1, 6)]}


async def _complaints(session: AsyncSession, scope: Scope) -> list[dict[str, Any]]:
    kinds: dict[str, Counter[str]] = {}
    for kind, status, n in await repo.complaint_kinds(session, scope):
        kinds.setdefault(kind, Counter())[status] += n
    rows = [{"kind": k, "open": c["open"], "total": sum(c.values())} for k, c in kinds.items()]
    return sorted(rows, key=lambda r: (-r["total"], r["kind"]))
