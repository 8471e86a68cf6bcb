"""Exchange maths: the credit is what the returned units were paid (discount and tax shares included), the
difference is charged or refunded to the minor unit, and the instant-exchange hold never exceeds either side."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.exchange import NewItem, quote, replacement_quote, trusted_for_instant
from domain.money import Money
from domain.orders import CustomerHistory
from domain.policy.model import ExchangeRules
from tests.domain.build import line, order


def new(sku: str, price: int, qty: int = 1, currency: str = "CNY", line_id: str = "L1") -> NewItem:
    return NewItem(line_id=line_id, sku=sku, quantity=qty, unit_price=Money(price, currency))


@pytest.mark.parametrize(
    ("unit", "tax", "discount", "new_price", "credit", "charge", "refund", "hold"),
    [
        (100_00, 0, 0, 100_00, 100_00, 0, 0, 100_00),  # another size at the same price: even
        (100_00, 13_00, 0, 120_00, 113_00, 7_00, 0, 113_00),  # pricier: the tax share counts towards it
        (100_00, 0, 10_00, 80_00, 90_00, 0, 10_00, 80_00),  # the order discount lowers the credit
        (199, 0, 0, 200, 199, 1, 0, 199),  # one fen more is charged, not rounded away
    ],
)
def test_quote_table(
    unit: int, tax: int, discount: int, new_price: int, credit: int, charge: int, refund: int, hold: int
) -> None:
    o = order(line("L1", unit=unit, tax=tax), discount=discount)
    q = quote(o, [("L1", 1)], [new("SKU-NEW", new_price)])
    assert (q.credit.minor, q.to_charge.minor, q.to_refund.minor, q.hold.minor) == (credit, charge, refund, hold)


def test_a_yen_exchange_has_no_decimals_to_lose() -> None:
    o = order(line("L1", unit=4_980, currency="JPY"), currency="JPY")
    q = quote(o, [("L1", 1)], [new("SKU-B", 5_480, currency="JPY")])
    assert q.difference == 500 and q.to_charge == Money(500, "JPY")


def test_new_items_in_another_currency_are_refused() -> None:
    with pytest.raises(ValueError, match="currency"):
        quote(order(), [("L1", 1)], [new("SKU-B", 100, currency="USD")])


def test_a_replacement_is_even_and_holds_what_should_come_back() -> None:
    q = replacement_quote(order(line("L1", unit=59_00, tax=7_67)), [("L1", 1)])
    assert q.difference == 0 and q.hold == Money(66_67, "CNY")


@given(
    unit=st.integers(1, 500_000),
    qty=st.integers(1, 5),
    back=st.integers(1, 5),
    tax=st.integers(0, 100_000),
    discount_bp=st.integers(0, 9_000),
    new_price=st.integers(1, 900_000),
)
def test_difference_and_hold_are_exact(
    unit: int, qty: int, back: int, tax: int, discount_bp: int, new_price: int
) -> None:
    back = min(back, qty)
    discount = unit * qty * discount_bp // 10_000
    o = order(line("L1", unit=unit, qty=qty, tax=tax), discount=discount)
    q = quote(o, [("L1", back)], [new("SKU-N", new_price, back)])
    # What the customer ends up paying for the new goods is exactly their price.
    assert q.credit.minor + q.to_charge.minor - q.to_refund.minor == q.new_total.minor
    assert 0 <= q.hold.minor <= min(q.credit.minor, q.new_total.minor)
    assert q.to_charge.minor * q.to_refund.minor == 0  # never both


RULES = ExchangeRules(instant_min_orders=3, instant_max_return_rate_bp=3_000)


@pytest.mark.parametrize(
    ("history", "trusted"),
    [
        (CustomerHistory(orders=5, returned_orders=1), True),
        (CustomerHistory(orders=2, returned_orders=0), False),  # too new to be trusted
        (CustomerHistory(orders=10, returned_orders=4), False),  # returns 40% of orders
        (CustomerHistory(orders=10, returned_orders=3), True),  # 30%: on the line is still trusted
        (CustomerHistory(orders=10, returned_orders=0, empty_box_findings=1), False),
        (CustomerHistory(orders=10, returned_orders=0, blocklisted=True), False),
    ],
)
def test_who_gets_an_instant_exchange(history: CustomerHistory, trusted: bool) -> None:
    assert trusted_for_instant(RULES, history) is trusted


def test_a_market_without_instant_exchanges_trusts_nobody() -> None:
    rules = ExchangeRules(instant_min_orders=None)
    assert not trusted_for_instant(rules, CustomerHistory(orders=100))
