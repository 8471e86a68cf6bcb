"""The insights maths: percentiles, return rates, SLA outcomes read from timelines, duration bands."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.insights import (
    RateRow,
    SlaTally,
    buckets,
    delivered_at,
    percentile,
    rate,
    return_rates,
    sla_outcomes,
    summarise,
    tally,
)


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([], 50, None),
        ([7.0], 50, 7.0),
        ([7.0], 90, 7.0),
        ([1, 2, 3, 4], 50, 2),  # nearest rank: ceil(0.5 * 4) = 2nd
        ([4, 1, 3, 2], 50, 2),  # order of arrival does not matter
        ([1, 2, 3, 4, 5], 50, 3),
        (list(range(1, 11)), 90, 9),
        (list(range(1, 11)), 100, 10),
        (list(range(1, 11)), 1, 1),
        ([5, 5, 5, 100], 90, 100),  # one slow case shows in the p90, not in the median
    ],
)
def test_percentile_is_nearest_rank(values: list[float], share: int, expected: float | None) -> None:
    assert percentile(values, share) == expected


@pytest.mark.parametrize("share", [0, 101])
def test_percentile_share_out_of_range(share: int) -> None:
    with pytest.raises(ValueError, match="percentage"):
        percentile([1.0], share)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(0, 10, Decimal("0")), (1, 3, Decimal("0.3333")), (2, 3, Decimal("0.6667")), (5, 0, None), (3, 2, Decimal("1.5"))],
)
def test_rate(part: int, whole: int, expected: Decimal | None) -> None:
    assert rate(part, whole) == expected


R, A, REJ, C, INSP, DONE = "review_sla_started", "approved", "rejected", "cancelled", "inspected", "completed"
BREACH_R = ("escalated", "review_sla_breached")
BREACH_I = ("escalated", "inspection_sla_breached")


def ev(*types: str | tuple[str, str]) -> list[tuple[str, str | None]]:
    return [t if isinstance(t, tuple) else (t, None) for t in types]


@pytest.mark.parametrize(
    ("timeline", "expected"),
    [
        (ev(R, A), {("review", "met"): 1}),
        (ev(R, BREACH_R, A), {("review", "breached"): 1}),
        (ev(R, BREACH_R, BREACH_R, REJ), {("review", "breached"): 1}),  # one breach per SLA, however often told
        (ev(R), {("review", "running"): 1}),
        (ev(R, BREACH_R), {("review", "breached"): 1}),  # breached and still waiting: already decided
        (ev(R, C), {("review", "met"): 1}),  # cancelled before the deadline: nobody kept anyone waiting
        (ev(R, ("escalated", "refund_failed"), A), {("review", "met"): 1}),  # other escalations are no breach
        (ev(BREACH_R, A), {}),  # a breach of no SLA that started (corrupt history) counts nothing
        (
            ev(R, A, "inspection_sla_started", BREACH_I, INSP, DONE),
            {("review", "met"): 1, ("inspection", "breached"): 1},
        ),
        (ev(R, R, A), {("review", "met"): 2}),  # restarted: the first counts as it stood
        (ev("inspection_sla_started", A), {("inspection", "running"): 1}),  # approval does not end an inspection
    ],
)
def test_sla_outcomes(timeline: list[tuple[str, str | None]], expected: dict[tuple[str, str], int]) -> None:
    assert sla_outcomes(timeline) == Counter(expected)


def test_tally_sums_cases_and_compliance_ignores_running_ones() -> None:
    got = tally([sla_outcomes(ev(R, A)), sla_outcomes(ev(R, BREACH_R, A)), sla_outcomes(ev(R)), sla_outcomes(ev(R, A))])
    assert got == {"review": SlaTally(met=2, breached=1, running=1)}
    assert got["review"].compliance == Decimal("0.6667")
    assert SlaTally(running=3).compliance is None


def test_return_rates_per_key_with_the_main_reason() -> None:
    rows = return_rates(
        [("A", 10), ("B", 4), ("A", 10), ("C", 5)],
        [
            ("A", "wrong_size", 2),
            ("A", "defective", 1),
            ("A", "wrong_size", 1),
            ("B", "defective", 2),
            ("D", "other", 1),
        ],
    )
    assert rows == [
        RateRow("A", 20, 4, Decimal("0.2"), "wrong_size"),
        RateRow("B", 4, 2, Decimal("0.5"), "defective"),
        RateRow("D", 0, 1, None, "other"),  # sold before the period: returned, rate unknown
        RateRow("C", 5, 0, Decimal("0"), None),
    ]


def test_a_tie_between_reasons_names_the_first_alphabetically() -> None:
    [row] = return_rates([("A", 4)], [("A", "wrong_size", 1), ("A", "defective", 1)])
    assert row.top_reason == "defective"


@pytest.mark.parametrize(
    ("hours", "expected"),
    [([], [0, 0, 0, 0, 0]), ([0, 23.9, 24, 71.9, 72, 167, 168, 335, 336, 1000], [2, 2, 2, 2, 2])],
)
def test_buckets(hours: list[float], expected: list[int]) -> None:
    assert buckets(hours) == expected


def test_summary_and_delivery_time() -> None:
    assert summarise([10, 30, 20]) == summarise([30, 20, 10])
    assert (summarise([10, 30, 20]).median_h, summarise([10, 30, 20]).p90_h) == (20, 30)
    events = [
        {"status": "in_transit", "occurred_at": "2026-11-02T10:00:00+00:00"},
        {"status": "delivered", "occurred_at": "2026-11-03T10:00:00Z"},
        {"status": "delivered", "occurred_at": "2026-11-04T10:00:00+00:00"},  # a repeated report
    ]
    assert delivered_at(events) == datetime(2026, 11, 3, 10, tzinfo=UTC)
    assert delivered_at(events[:1]) is None
