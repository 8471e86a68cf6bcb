"""What an insurer's answer pays and leaves unpaid, what shipping-fee cover claims, and that every claim
movement balances."""

from __future__ import annotations

import pytest

from domain.insurance import claimed_legs, payout_legs, settle, shipping_fee_claim, shortfall_legs
from domain.money import Money
from domain.policy import MarketPolicy


@pytest.mark.parametrize(
    ("outcome", "amount", "expected"),
    [
        ("approved", None, (10_000, 0)),
        ("partial", 6_000, (6_000, 4_000)),
        ("partial", 12_000, (10_000, 0)),  # never more than was claimed
        ("partial", None, (0, 10_000)),
        ("denied", None, (0, 10_000)),
        ("lapsed", None, (0, 10_000)),
    ],
)
def test_settle(outcome: str, amount: int | None, expected: tuple[int, int]) -> None:
    assert settle(10_000, outcome, amount) == expected


def test_more_evidence_is_not_an_answer() -> None:
    with pytest.raises(ValueError, match="not a final answer"):
        settle(10_000, "more_evidence", None)


@pytest.mark.parametrize(
    ("postage", "policy", "currency", "expected"),
    [
        (900, {}, "CNY", Money(900, "CNY")),  # the postage the customer paid
        (0, {"return_label_fee": {"CNY": 1_500}}, "CNY", Money(1_500, "CNY")),
        (0, {}, "CNY", Money(1_200, "CNY")),  # the policy's flat cover
        (0, {"insurance": {"shipping_fee_cover": {}}}, "CNY", None),
        (0, {}, "KWD", None),
    ],
)
def test_shipping_fee_claim(postage: int, policy: dict[str, object], currency: str, expected: Money | None) -> None:
    assert shipping_fee_claim(MarketPolicy.model_validate(policy), currency, postage) == expected


def test_filed_then_paid_in_part_leaves_nothing_owed_and_recovers_what_was_paid() -> None:
    legs = [*claimed_legs(10_000, "CNY"), *payout_legs(6_000, "CNY"), *shortfall_legs(4_000, "CNY")]
    by_account: dict[str, int] = {}
    for leg in legs:
        by_account[str(leg["account"])] = by_account.get(str(leg["account"]), 0) + int(str(leg["amount_minor"]))
    assert sum(by_account.values()) == 0
    assert by_account["receivable:insurance_claims"] == 0
    assert by_account["cash:insurer"] == 6_000
    assert by_account["returns:insurance_recovered"] + by_account["returns:insurance_shortfall"] == -6_000
