"""Refund maths: allocation, cumulative shares, fees, shipping, postage and the split over tenders."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.money import Money
from domain.orders import OrderFacts, Tender, TenderType
from domain.refunds import (
    RefundCapExceeded,
    RefundItem,
    allocate,
    allocate_discount,
    completes_order,
    compute_refund,
    line_refund,
    round_div,
    slice_of,
    split_by_tender_positions,
    split_by_tenders,
)
from tests.domain.build import line, order


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [(5, 2, 2), (7, 2, 4), (1, 3, 0), (2, 3, 1), (10, 5, 2), (-5, 2, -2), (-7, 2, -4), (0, 9, 0)],
)
def test_round_div_is_half_even(num: int, den: int, expected: int) -> None:
    assert round_div(num, den) == expected


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),  # tie on remainders: the earlier line gets the unit
        (10, [3, 3, 4], [3, 3, 4]),
        (1, [1, 1], [1, 0]),
        (5, [0, 2, 3], [0, 2, 3]),
        (7, [1, 2], [2, 5]),  # 2.33 / 4.67: the larger remainder (second) gets the spare unit
        (0, [5, 5], [0, 0]),
        (0, [0, 0], [0, 0]),
    ],
)
def test_allocate_examples(total: int, weights: list[int], expected: list[int]) -> None:
    assert allocate(total, weights) == expected


def test_allocate_refuses_impossible_input() -> None:
    with pytest.raises(ValueError):
        allocate(5, [0, 0])
    with pytest.raises(ValueError):
        allocate(-1, [1])


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30).filter(lambda w: sum(w)),
)
def test_allocation_sums_exactly_and_stays_within_one_unit(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    weight = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        assert total * w // weight <= part <= -(-total * w // weight)  # floor or ceiling of the exact share
        if w == 0:
            assert part == 0


# (unit price, quantity, tax) per line
_lines = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=12), st.integers(0, 10**6)),
    min_size=1,
    max_size=8,
)


def _order(spec: list[tuple[int, int, int]], discount_ratio: float, currency: str = "CNY") -> OrderFacts:
    lines = tuple(line(f"L{i}", unit=u, qty=q, tax=t, currency=currency) for i, (u, q, t) in enumerate(spec))
    goods = sum(u * q + t for u, q, t in spec)
    return order(*lines, currency=currency, discount=int(goods * discount_ratio))


@given(spec=_lines, ratio=st.floats(min_value=0, max_value=1))
def test_discount_allocation_sums_exactly_and_never_exceeds_a_line(spec, ratio) -> None:
    o = _order(spec, ratio)
    shares = allocate_discount(o)
    assert sum(m.minor for m in shares.values()) == o.discounts.minor
    for li in o.lines:
        assert 0 <= shares[li.line_id].minor <= li.unit_price.minor * li.quantity + li.tax.minor


def test_discount_is_allocated_by_line_value() -> None:
    o = order(line("A", unit=30_00, qty=2), line("B", unit=40_00), discount=10_00)
    assert allocate_discount(o) == {"A": Money(6_00, "CNY"), "B": Money(4_00, "CNY")}


def test_discount_beyond_the_goods_spills_onto_tax_only() -> None:
    o = order(line("A", unit=10_00, tax=5_00), line("B", unit=10_00, tax=0), discount=22_00)
    assert allocate_discount(o) == {"A": Money(12_00, "CNY"), "B": Money(10_00, "CNY")}


@given(
    spec=_lines,
    ratio=st.floats(min_value=0, max_value=1),
    cuts=st.lists(st.integers(min_value=1, max_value=12), max_size=12),
    data=st.data(),
)
@settings(max_examples=300)
def test_returning_every_unit_over_several_cases_refunds_each_line_exactly(spec, ratio, cuts, data) -> None:
    o = _order(spec, ratio)
    discounts = allocate_discount(o)
    for li in o.lines:
        sizes: list[int] = []
        left = li.quantity
        while left:
            n = data.draw(st.integers(min_value=1, max_value=left))
            sizes.append(n)
            left -= n
        done, got_total, got_tax = 0, 0, 0
        for n in sizes:
            step = o.model_copy(update={"already_returned": {li.line_id: done}})
            refund = line_refund(step, RefundItem(line_id=li.line_id, quantity=n))
            assert refund.total.minor >= 0
            assert refund.discount.minor <= refund.goods.minor + refund.tax.minor
            if o.discounts.minor <= sum(x.unit_price.minor * x.quantity for x in o.lines):
                assert 0 <= refund.discount.minor <= refund.goods.minor
            got_total += refund.total.minor
            got_tax += refund.tax.minor
            done += n
        assert got_tax == li.tax.minor
        assert got_total == li.unit_price.minor * li.quantity - discounts[li.line_id].minor + li.tax.minor


@pytest.mark.parametrize(
    ("total", "of", "sizes", "expected"),
    [
        (100, 3, [1, 1, 1], [33, 34, 33]),
        (100, 3, [2, 1], [67, 33]),
        (1, 2, [1, 1], [0, 1]),  # half-even: 0.5 rounds to 0, the last unit takes the rest
        (5, 5, [5], [5]),
    ],
)
def test_slices_follow_the_running_total(total: int, of: int, sizes: list[int], expected: list[int]) -> None:
    done, got = 0, []
    for n in sizes:
        got.append(slice_of(total, done, n, of))
        done += n
    assert got == expected
    with pytest.raises(ValueError):
        slice_of(total, of, 1, of)


def test_a_discount_reaching_the_tax_never_makes_one_unit_negative() -> None:
    # 5 units at 0.01 with 0.03 tax and a 0.07 discount: 0.02 of it lands on the tax.
    o = order(line("A", unit=1, qty=5, tax=3), discount=7)
    totals = []
    for done in range(5):
        step = o.model_copy(update={"already_returned": {"A": done}})
        totals.append(line_refund(step, RefundItem(line_id="A", quantity=1)).total.minor)
    assert min(totals) >= 0
    assert sum(totals) == 5 - 7 + 3


def test_line_refund_takes_discount_and_tax_shares() -> None:
    # 3 x 33.33 CNY, tax 10.00 for the line, 10.00 order discount on this single line
    o = order(line("A", unit=33_33, qty=3, tax=10_00), discount=10_00)
    first = line_refund(o, RefundItem(line_id="A", quantity=1))
    assert (first.goods.minor, first.discount.minor, first.tax.minor, first.total.minor) == (
        33_33,
        3_33,
        3_33,
        33_33,
    )
    rest = line_refund(o.model_copy(update={"already_returned": {"A": 1}}), RefundItem(line_id="A", quantity=2))
    assert first.total.minor + rest.total.minor == 3 * 33_33 - 10_00 + 10_00


@pytest.mark.parametrize(
    ("currency", "unit", "qty", "tax", "discount", "expected_total"),
    [
        ("JPY", 1_999, 3, 599, 500, 1_999 * 3 + 599 - 500),  # 0 decimals: everything in whole yen
        ("KWD", 12_345, 2, 0, 1_001, 12_345 * 2 - 1_001),  # 3 decimals: fils
        ("CNY", 99_99, 1, 0, 0, 99_99),
    ],
)
def test_full_refund_in_various_currency_exponents(currency, unit, qty, tax, discount, expected_total) -> None:
    o = order(line("A", unit=unit, qty=qty, tax=tax, currency=currency), currency=currency, discount=discount)
    b = compute_refund(o, [RefundItem(line_id="A", quantity=qty)])
    assert b.total == Money(expected_total, currency)


def test_grade_share_and_restocking_fee() -> None:
    o = order(line("A", unit=200_00, tax=26_00))
    partial = line_refund(o, RefundItem(line_id="A", quantity=1, share_bp=7_000))
    assert partial.deduction.minor == round_div(226_00 * 3_000, 10_000)
    assert partial.total.minor == 226_00 - partial.deduction.minor
    fee = line_refund(o, RefundItem(line_id="A", quantity=1, restocking_fee=True), restocking_fee_bp=1_500)
    assert fee.restocking_fee.minor == 30_00  # 15% of the goods, the tax is refunded in full
    assert fee.total.minor == 196_00
    no_fee = line_refund(o, RefundItem(line_id="A", quantity=1), restocking_fee_bp=1_500)
    assert no_fee.total.minor == 226_00


def test_shipping_is_refunded_once_and_postage_never_makes_a_refund_negative() -> None:
    o = order(line("A", unit=10_00), shipping=8_00)
    items = [RefundItem(line_id="A", quantity=1)]
    assert compute_refund(o, items, refund_shipping=True).total.minor == 18_00
    assert compute_refund(o, items, refund_shipping=False).total.minor == 10_00
    refunded = o.model_copy(update={"shipping_refunded": True})
    assert compute_refund(refunded, items, refund_shipping=True).total.minor == 10_00
    b = compute_refund(o, items, return_postage=Money(15_00, "CNY"))
    assert (b.total.minor, b.return_postage.minor) == (0, 10_00)


def test_compute_refund_refuses_a_line_twice_or_too_many_units() -> None:
    o = order(line("A", qty=2))
    with pytest.raises(ValueError):
        compute_refund(o, [RefundItem(line_id="A", quantity=1), RefundItem(line_id="A", quantity=1)])
    with pytest.raises(ValueError):
        compute_refund(o.model_copy(update={"already_returned": {"A": 1}}), [RefundItem(line_id="A", quantity=2)])
    with pytest.raises(ValueError):
        compute_refund(o, [RefundItem(line_id="Z", quantity=1)])


def test_completes_order_counts_earlier_returns() -> None:
    o = order(line("A", qty=2), line("B"), already_returned={"A": 1})
    assert completes_order(o, {"A": 1, "B": 1})
    assert not completes_order(o, {"B": 1})


def _tenders(*spec: tuple[TenderType, int], currency: str = "CNY") -> tuple[Tender, ...]:
    return tuple(Tender(type=t, amount=Money(a, currency)) for t, a in spec)


def test_split_follows_policy_order_then_position() -> None:
    tenders = _tenders((TenderType.CARD, 50_00), (TenderType.GIFT_CARD, 20_00), (TenderType.POINTS, 5_00))
    none = [Money.zero("CNY")] * 3
    split = split_by_tenders(Money(30_00, "CNY"), tenders, none)
    assert [(t.type, m.minor) for t, m in split] == [
        (TenderType.POINTS, 5_00),
        (TenderType.GIFT_CARD, 20_00),
        (TenderType.CARD, 5_00),
    ]
    card_first = split_by_tenders(Money(30_00, "CNY"), tenders, none, order=[TenderType.CARD])
    assert [(t.type, m.minor) for t, m in card_first] == [(TenderType.CARD, 30_00)]


def test_split_respects_earlier_refunds_and_refuses_beyond_the_cap() -> None:
    tenders = _tenders((TenderType.CARD, 50_00), (TenderType.GIFT_CARD, 20_00))
    earlier = [Money(10_00, "CNY"), Money(20_00, "CNY")]
    assert split_by_tender_positions(Money(40_00, "CNY"), tenders, earlier) == [(0, Money(40_00, "CNY"))]
    with pytest.raises(RefundCapExceeded) as err:
        split_by_tenders(Money(40_01, "CNY"), tenders, earlier)
    assert err.value.code == "refund_cap_exceeded"
    assert split_by_tenders(Money.zero("CNY"), tenders, earlier) == []


@pytest.mark.parametrize(
    "bad",
    [
        dict(amount=Money(-1, "CNY")),
        dict(amount=Money(1, "USD")),
        dict(refunded=[Money(60_00, "CNY")]),
        dict(refunded=[]),
    ],
)
def test_split_refuses_inconsistent_input(bad) -> None:
    tenders = _tenders((TenderType.CARD, 50_00))
    with pytest.raises(ValueError):
        split_by_tenders(bad.get("amount", Money(1, "CNY")), tenders, bad.get("refunded", [Money.zero("CNY")]))


@given(
    captured=st.lists(
        st.tuples(st.sampled_from(list(TenderType)), st.integers(min_value=1, max_value=10**7)), min_size=1, max_size=5
    ),
    asks=st.lists(st.integers(min_value=0, max_value=10**7), max_size=10),
    order_=st.permutations(list(TenderType)),
)
def test_refunds_over_many_cases_never_exceed_any_tender(captured, asks, order_) -> None:
    tenders = _tenders(*captured, currency="KWD")
    refunded = [0] * len(tenders)
    for ask in asks:
        remaining = sum(t.amount.minor for t in tenders) - sum(refunded)
        before = list(refunded)
        if ask > remaining:
            with pytest.raises(RefundCapExceeded):
                split_by_tender_positions(Money(ask, "KWD"), tenders, [Money(r, "KWD") for r in refunded], order=order_)
            assert refunded == before
            ask = remaining
        split = split_by_tender_positions(Money(ask, "KWD"), tenders, [Money(r, "KWD") for r in refunded], order_)
        assert sum(m.minor for _, m in split) == ask
        assert all(m.minor > 0 for _, m in split)
        for i, m in split:
            refunded[i] += m.minor
        assert all(r <= t.amount.minor for r, t in zip(refunded, tenders, strict=True))
