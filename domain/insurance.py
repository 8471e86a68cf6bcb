"""Insurance claims: what a claim asks for, what the insurer's answer pays and leaves unpaid, and the balanced
ledger legs of a claim filed, paid out and short-paid.

Accounts (accrual, like the duty drawback in `domain.customs.ledger`):
- filed:     debit `receivable:insurance_claims`, credit `returns:insurance_recovered` (the claimed amount);
- payout:    debit `cash:insurer`, credit `receivable:insurance_claims` (what the insurer paid);
- shortfall: debit `returns:insurance_shortfall`, credit `receivable:insurance_claims` (what it did not pay).
Once decided the receivable is back to zero and recovered + shortfall nets to exactly what was paid.
"""

from __future__ import annotations

from domain.ledger import pair as _pair
from domain.money import Money
from domain.policy.model import MarketPolicy, amount_for

CLAIMS_RECEIVABLE = "receivable:insurance_claims"
RECOVERED = "returns:insurance_recovered"
SHORTFALL = "returns:insurance_shortfall"
INSURER_CASH = "cash:insurer"

KINDS = ("shipping_fee", "transit")
DECISIONS = ("approved", "partial", "denied", "more_evidence")
FINAL = ("approved", "partial", "denied", "lapsed")  # lapsed: the filing deadline passed without an answer


def claimed_legs(amount_minor: int, currency: str) -> list[dict[str, object]]:
    """Filed: the insurer owes us the claimed amount until it answers."""
    return _pair(CLAIMS_RECEIVABLE, RECOVERED, amount_minor, currency)


def payout_legs(amount_minor: int, currency: str) -> list[dict[str, object]]:
    return _pair(INSURER_CASH, CLAIMS_RECEIVABLE, amount_minor, currency)


def shortfall_legs(amount_minor: int, currency: str) -> list[dict[str, object]]:
    """What the insurer will not pay is written off as a cost of the return."""
    return _pair(SHORTFALL, CLAIMS_RECEIVABLE, amount_minor, currency)


def settle(claimed_minor: int, outcome: str, amount_minor: int | None) -> tuple[int, int]:
    """(paid, shortfall) of a final answer; a partial payout is kept between nothing and the claimed amount."""
    if outcome == "approved":
        return claimed_minor, 0
    if outcome == "partial":
        paid = max(0, min(claimed_minor, amount_minor or 0))
        return paid, claimed_minor - paid
    if outcome in ("denied", "lapsed"):
        return 0, claimed_minor
    raise ValueError(f"{outcome} is not a final answer")


def shipping_fee_claim(market: MarketPolicy, currency: str, postage_paid_minor: int) -> Money | None:
    """What shipping-fee insurance (运费险) is asked to pay: the return postage the customer paid when it is
    known (deducted from the refund for the merchant's label), else the policy's label fee, else the policy's
    flat cover for the currency; None when the policy gives no amount for it."""
    if postage_paid_minor > 0:
        return Money(postage_paid_minor, currency)
    return amount_for(market.return_label_fee, currency) or amount_for(market.insurance.shipping_fee_cover, currency)
