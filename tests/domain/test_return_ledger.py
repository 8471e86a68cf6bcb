"""What a return books besides the refund paid: the refund maths keeps back exactly the fee and label fee it
deducts, the postings of a whole return balance, and the cost of returns reads them as postage, refund at full
value, fees kept and goods recovered; returned goods recover their disposition's share of the price paid."""

from __future__ import annotations

from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.inspection import Disposition, recovered_value
from domain.ledger import (
    POSTAGE_RECOVERED,
    RESTOCKING_REVENUE,
    kept_back_legs,
    postage_legs,
    recovery_legs,
    refund_legs,
)
from domain.money import Money
from domain.refunds import FULL, RefundItem, compute_refund
from domain.return_costs import CostLeg, case_costs, component_of
from domain.trial_balance import account_class, trial_balance
from tests.domain.build import line, market, order

# (unit price, quantity, tax, share_bp, restocking fee applies) per line
_lines = st.lists(
    st.tuples(st.integers(0, 10**7), st.integers(1, 12), st.integers(0, 10**6), st.integers(0, FULL), st.booleans()),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(
    spec=_lines,
    discount_ratio=st.fractions(0, 1),
    fee_bp=st.integers(0, FULL),
    shipping=st.integers(0, 10**5),
    refund_shipping=st.booleans(),
    label_fee=st.integers(0, 10**6),
)
def test_refund_paid_plus_what_it_kept_back_is_what_the_goods_were_worth(
    spec, discount_ratio, fee_bp, shipping, refund_shipping, label_fee
) -> None:
    lines = [line(f"L{i}", unit=u, qty=q, tax=t) for i, (u, q, t, _, _) in enumerate(spec)]
    goods = sum(u * q + t for u, q, t, _, _ in spec)
    facts = order(*lines, discount=int(goods * discount_ratio), shipping=shipping)
    items = [
        RefundItem(line_id=f"L{i}", quantity=q, share_bp=share, restocking_fee=fee)
        for i, (_, q, _, share, fee) in enumerate(spec)
    ]
    got = compute_refund(
        facts, items, restocking_fee_bp=fee_bp, refund_shipping=refund_shipping, return_postage=Money(label_fee, "CNY")
    )
    worth = sum(li.goods.minor - li.discount.minor + li.tax.minor - li.deduction.minor for li in got.lines)
    # What the ledger books: the refund paid, plus the fee and the label fee kept back, is the full refund value.
    assert got.total.minor + got.restocking_fee.minor + got.return_postage.minor == worth + got.shipping.minor
    assert got.total.minor >= 0 and got.restocking_fee.minor >= 0 and 0 <= got.return_postage.minor <= label_fee


def _legs(number: str, type_: str, legs: list[dict[str, object]]) -> list[CostLeg]:
    return [
        CostLeg(number, type_, str(leg["account"]), cast(int, leg["amount_minor"]), str(leg["currency"]))
        for leg in legs
    ]


@settings(max_examples=300, deadline=None)
@given(
    label=st.integers(1, 10**5),
    paid=st.lists(st.tuples(st.sampled_from(["card", "gift_card", "points"]), st.integers(1, 10**7)), max_size=3),
    fee=st.integers(0, 10**6),
    label_fee=st.integers(0, 10**5),
    recovered=st.integers(0, 10**7),
    voided=st.booleans(),
)
def test_a_returns_postings_balance_and_cost_postage_plus_refund_less_what_came_back(
    label, paid, fee, label_fee, recovered, voided
) -> None:
    postings = _legs("R-1", "return_postage", postage_legs(label, "JPY"))
    if voided:  # the label was cancelled unused: its postage reversed
        postings += [CostLeg(leg.case_number, leg.type, leg.account, -leg.amount_minor, "JPY") for leg in postings]
    for tender, amount in paid:
        postings += _legs("R-1", "refund", refund_legs(tender, amount, "JPY"))
    if fee:
        postings += _legs("R-1", "restocking_fee", kept_back_legs(RESTOCKING_REVENUE, fee, "JPY"))
    if label_fee:
        postings += _legs("R-1", "return_postage", kept_back_legs(POSTAGE_RECOVERED, label_fee, "JPY"))
    if recovered:
        postings += _legs("R-1", "disposition", recovery_legs(recovered, "JPY"))

    (jpy,) = trial_balance((leg.currency, leg.account, leg.amount_minor) for leg in postings)
    assert jpy.difference == 0 and sum(line.balance for line in jpy.lines) == 0
    assert all(account_class(line.account) != "other" for line in jpy.lines)

    costs = case_costs(postings)["R-1"]
    refunded = sum(amount for _, amount in paid)
    assert costs.get("refunds") == refunded + fee + label_fee  # the refund at its full value
    assert costs.get("fees_kept") == -fee
    assert costs.get("return_postage") == (0 if voided else label) - label_fee
    assert costs.get("disposition_recovered") == -recovered
    assert costs.total == (0 if voided else label) + refunded - recovered


@pytest.mark.parametrize(
    ("type_", "account", "component"),
    [
        ("return_postage", "returns:return_postage", "return_postage"),
        ("return_postage", "liability:carrier", None),
        ("return_postage", "returns:refunds", "refunds"),  # a label fee kept back: the refund at full value
        ("return_postage", "revenue:return_postage", "return_postage"),
        ("restocking_fee", "returns:refunds", "refunds"),
        ("restocking_fee", "revenue:restocking_fees", "fees_kept"),
        ("disposition", "returns:disposition_recovered", "disposition_recovered"),
        ("disposition", "inventory:returned_goods", None),
        ("store_credit", "returns:refunds", "store_credit"),
    ],
)
def test_component_of_each_leg(type_: str, account: str, component: str | None) -> None:
    assert component_of(type_, account) == component


US = market("US")


@pytest.mark.parametrize(
    ("disposition", "net", "expected"),
    [
        ("restock", 12_345, 12_345),
        ("open_box", 12_345, 9_876),  # 80%, half to even
        ("refurbish", 10_001, 5_000),
        ("liquidate", 10_000, 2_000),
        ("return_to_vendor", 10_000, 0),
        ("recycle", 10_000, 0),
        ("destroy", 10_000, 0),
        ("hold", 10_000, 0),
        ("restock", -5, 0),  # a discount beyond the goods: nothing to recover, never a negative
    ],
)
def test_recovered_value_by_disposition(disposition: str, net: int, expected: int) -> None:
    assert recovered_value(disposition, net, US) == expected


@given(net=st.integers(0, 10**12), rate=st.integers(0, FULL), disposition=st.sampled_from(list(Disposition)))
def test_recovered_value_never_exceeds_the_price_paid_and_follows_the_policy(
    net: int, rate: int, disposition: Disposition
) -> None:
    rates = {"restock": rate} if disposition is Disposition.RESTOCK else {}
    policy = market("US", grading={**US.grading.model_dump(), "recovery_bp": rates})
    value = recovered_value(disposition, net, policy)
    assert 0 <= value <= net
    assert value == (net * rate + FULL // 2) // FULL if disposition is Disposition.RESTOCK else value == 0
