"""The supervisors' insights over built cases: rates, refund times, SLAs, inspections, carriers, ratings and
complaints, and each filter narrowing them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.insights import Scope, SlaTally
from services.insights import insights
from tests.support.insights import ALL, NOW, build_sample


@pytest.fixture
async def built(sessionmaker: Any) -> Any:
    await build_sample(sessionmaker)
    return sessionmaker


async def figures(sessionmaker: Any, scope: Scope) -> dict[str, Any]:
    async with sessionmaker() as s:
        return await insights(s, scope)


async def test_every_figure_over_all_cases(built: Any) -> None:
    got = await figures(built, ALL)
    skus = {r.key: (r.sold, r.returned, r.rate, r.top_reason) for r in got["skus"]}
    # the cancelled request brought nothing back: 9 TEEs sold, 3 came back
    assert skus == {"TEE": (9, 3, Decimal("0.3333"), "wrong_size"), "BOOT": (1, 1, Decimal("1"), "defective")}
    assert {r.key: r.rate for r in got["categories"]} == {"apparel": Decimal("0.3333"), "shoes": Decimal("1")}
    assert got["reasons"] == [("changed_mind", 3), ("wrong_size", 3), ("defective", 1)]
    assert (got["refund_time"].count, got["refund_time"].median_h, got["refund_time"].p90_h) == (2, 10, 48)
    assert got["refund_buckets"] == [1, 1, 0, 0, 0]
    assert got["sla"] == {"review": SlaTally(met=1, breached=1)}
    assert got["grades"] == {"A": 2, "C": 1} and dict(got["dispositions"]) == {"restock": 2, "refurbish": 1}
    carriers = {c["carrier"]: (c["parcels"], c["time"].count, c["time"].median_h) for c in got["carriers"]}
    assert carriers == {"kerry": (1, 0, None), "sf-express": (1, 1, 24)}
    assert got["ratings"] == {"count": 2, "average": Decimal("3.5"), "by_score": [0, 1, 0, 0, 1]}
    assert got["complaints"] == [
        {"kind": "courier", "open": 1, "total": 2},
        {"kind": "late_refund", "open": 1, "total": 1},
    ]


@pytest.mark.parametrize(
    ("narrowed", "cases_sla", "grades"),
    [
        ({"market": "HK"}, SlaTally(breached=1), {}),
        ({"channel": "marketplace"}, SlaTally(breached=1), {}),
        ({"carrier": "sf-express"}, SlaTally(met=1), {"A": 2, "C": 1}),
        ({"category": "shoes"}, SlaTally(met=1), {"C": 1}),  # only the shoes, of the case that has some
    ],
)
async def test_filters_narrow_the_cases(
    built: Any, narrowed: dict[str, Any], cases_sla: SlaTally, grades: dict[str, int]
) -> None:
    got = await figures(built, replace(ALL, **narrowed))
    assert got["sla"] == {"review": cases_sla}
    assert got["grades"] == grades


async def test_a_period_without_cases_answers_empty(built: Any) -> None:
    got = await figures(built, Scope(NOW - timedelta(days=90), NOW - timedelta(days=60)))
    assert got["skus"] == [] and got["sla"] == {} and got["refund_time"].median_h is None
    assert got["ratings"]["average"] is None and got["complaints"] == []
