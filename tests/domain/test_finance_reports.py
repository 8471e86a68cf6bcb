"""Finance maths: the trial balance of balanced postings sums to zero per currency; costs of returns by component,
spread over items exactly; refunds waiting for the provider fall in the right ageing bucket."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.ageing import age_buckets, bucket_of
from domain.ledger import refund_legs
from domain.return_costs import COMPONENTS, CostLeg, ItemShare, allocate_signed, case_costs, group_costs
from domain.trial_balance import account_class, trial_balance

ACCOUNTS = ["returns:refunds", "returns:goodwill", "cash:payment_provider", "liability:gift_cards", "revenue:fees"]
CURRENCIES = ["CNY", "EUR", "JPY"]


@st.composite
def balanced_txn(draw: st.DrawFn) -> list[tuple[str, str, int]]:
    """A movement of 2..5 legs in one currency whose amounts sum to zero."""
    currency = draw(st.sampled_from(CURRENCIES))
    amounts = draw(st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=4))
    amounts.append(-sum(amounts))
    return [(currency, draw(st.sampled_from(ACCOUNTS)), a) for a in amounts]


@settings(max_examples=300, deadline=None)
@given(st.lists(balanced_txn(), max_size=30), st.randoms())
def test_trial_balance_of_balanced_postings_sums_to_zero_in_every_currency(
    txns: list[list[tuple[str, str, int]]], rnd: random.Random
) -> None:
    legs = [leg for txn in txns for leg in txn]
    rnd.shuffle(legs)  # the order legs are read in does not matter
    balances = trial_balance(legs)
    assert {b.currency for b in balances} == {c for c, _, _ in legs}
    for b in balances:
        assert b.difference == 0 and b.debits == b.credits
        assert sum(line.balance for line in b.lines) == 0
        assert all(line.debit >= 0 and line.credit >= 0 for line in b.lines)


def test_refund_postings_balance_and_read_in_chart_order() -> None:
    posted = refund_legs("card", 12_990, "CNY") + refund_legs("gift_card", 500, "CNY")
    legs = [("CNY", str(leg["account"]), cast(int, leg["amount_minor"])) for leg in posted]
    (cny,) = trial_balance(legs)
    assert [(line.account, line.debit, line.credit) for line in cny.lines] == [
        ("returns:refunds", 13_490, 0),
        ("cash:payment_provider", 0, 12_990),
        ("liability:gift_cards", 0, 500),
    ]
    assert (cny.debits, cny.credits, cny.difference) == (13_490, 13_490, 0)


def test_an_unbalanced_posting_shows_as_a_difference_never_hidden() -> None:
    (eur,) = trial_balance([("EUR", "returns:refunds", 1_000), ("EUR", "cash:payment_provider", -999)])
    assert eur.difference == 1


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ("returns:refunds", "expense"),
        ("cash:payment_provider", "asset"),
        ("liability:store_credit", "liability"),
        ("revenue:restocking_fees", "revenue"),
        ("suspense", "other"),
    ],
)
def test_account_class(account: str, expected: str) -> None:
    assert account_class(account) == expected


def _legs(number: str, type_: str, pairs: list[tuple[str, int]], currency: str = "CNY") -> list[CostLeg]:
    return [CostLeg(number, type_, account, amount, currency) for account, amount in pairs]


def test_case_costs_count_what_hit_the_result_not_the_cash_side() -> None:
    legs = [
        *_legs("R-1", "refund", [("returns:refunds", 10_000), ("cash:payment_provider", -10_000)]),
        *_legs("R-1", "refund", [("returns:goodwill", 500), ("cash:payment_provider", -500)]),
        *_legs("R-1", "restocking_fee", [("liability:store_credit", 800), ("revenue:restocking_fees", -800)]),
        *_legs("R-1", "duty_paid", [("returns:duties", 1_200), ("cash:customs_broker", -1_200)]),
        *_legs("R-1", "drawback_claimed", [("receivable:duty_drawback", 900), ("returns:duty_drawback", -900)]),
        *_legs("R-1", "drawback_paid", [("cash:bank", 900), ("receivable:duty_drawback", -900)]),
        *_legs("R-2", "store_credit", [("returns:refunds", 2_000), ("liability:store_credit", -2_000)], "EUR"),
    ]
    costs = case_costs(legs)
    assert costs["R-1"].parts == {
        "refunds": 10_000,
        "goodwill": 500,
        "fees_kept": -800,
        "duties": 1_200,
        "drawback": -900,
    }
    assert costs["R-1"].total == 10_000
    assert (costs["R-2"].currency, costs["R-2"].parts) == ("EUR", {"store_credit": 2_000})


@settings(max_examples=200, deadline=None)
@given(st.integers(-(10**9), 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=6))
def test_allocated_costs_and_recoveries_add_up_exactly(total: int, weights: list[int]) -> None:
    parts = allocate_signed(total, weights)
    assert sum(parts) == total and len(parts) == len(weights)
    assert all(p * total >= 0 for p in parts)  # a recovery never turns into a cost in one group


def test_grouping_shares_a_case_over_its_items_by_value() -> None:
    costs = case_costs(_legs("R-1", "refund", [("returns:refunds", 10_001), ("cash:payment_provider", -10_001)]))
    items = {
        "R-1": [
            ItemShare("defective", "SKU-A", "shoes", "tmall", 30_000),
            ItemShare("wrong_size", "SKU-B", "bags", "tmall", 10_000),
        ]
    }
    by_reason = group_costs(costs, items, "reason")
    assert {k: v.get("refunds") for k, v in by_reason.items()} == {
        ("CNY", "defective"): 7_501,
        ("CNY", "wrong_size"): 2_500,
    }
    (channel,) = group_costs(costs, items, "channel").values()
    assert (channel.total, channel.cases) == (10_001, {"R-1"})
    assert set(COMPONENTS) >= {"return_postage", "insurance_recovered", "duties", "drawback", "disposition_recovered"}


NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "bucket"),
    [
        (timedelta(hours=23), 0),
        (timedelta(days=1), 1),
        (timedelta(days=2, hours=23), 1),
        (timedelta(days=3), 2),
        (timedelta(days=7), 3),
        (timedelta(days=14), 4),
        (timedelta(days=400), 4),
    ],
)
def test_ageing_bucket(age: timedelta, bucket: int) -> None:
    assert bucket_of(age) == bucket


def test_ageing_sums_per_currency_and_keeps_empty_buckets() -> None:
    buckets = age_buckets(
        [("CNY", 100, NOW - timedelta(days=8)), ("CNY", 50, NOW - timedelta(days=9)), ("EUR", 7, NOW)], NOW
    )
    assert [b.count for b in buckets] == [1, 0, 0, 2, 0]
    assert buckets[3].amounts == {"CNY": 150} and buckets[0].amounts == {"EUR": 7}
