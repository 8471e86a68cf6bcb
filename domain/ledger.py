"""Ledger accounts and the balanced legs of each kind of money movement."""

from __future__ import annotations

REFUNDS_EXPENSE = "returns:refunds"
GOODWILL_EXPENSE = "returns:goodwill"
EXCHANGE_DIFFERENCE = "returns:exchange_difference"  # refunded: the new item was cheaper
EXCHANGE_REVENUE = "revenue:exchange_difference"  # charged: the new item cost more
UNRETURNED_REVENUE = "revenue:unreturned_exchange"  # an instant exchange whose return never came: hold captured
REPAIR_REVENUE = "revenue:repairs"  # out-of-warranty repair quotes the customer paid
PROVIDER_CASH = "cash:payment_provider"

# Where money goes back to, per tender: the provider's cash, or a balance the merchant owes the customer.
TENDER_ACCOUNT = {
    "card": "cash:payment_provider",
    "wallet": "cash:payment_provider",
    "gift_card": "liability:gift_cards",
    "points": "liability:loyalty_points",
    "store_credit": "liability:store_credit",
}


def pair(debit: str, credit: str, amount_minor: int, currency: str) -> list[dict[str, object]]:
    """A movement of a positive amount from `credit` to `debit`: two legs that sum to zero."""
    if amount_minor <= 0:
        raise ValueError("a ledger movement needs a positive amount")
    return [
        {"account": debit, "amount_minor": amount_minor, "currency": currency},
        {"account": credit, "amount_minor": -amount_minor, "currency": currency},
    ]


def refund_legs(
    tender_type: str, amount_minor: int, currency: str, *, goodwill: bool = False, expense: str | None = None
) -> list[dict[str, object]]:
    """Debit the returns expense, credit the tender's account: the two legs sum to zero."""
    if amount_minor <= 0:
        raise ValueError("a refund moves a positive amount")
    expense = expense or (GOODWILL_EXPENSE if goodwill else REFUNDS_EXPENSE)
    return [
        {"account": expense, "amount_minor": amount_minor, "currency": currency},
        {"account": TENDER_ACCOUNT[tender_type], "amount_minor": -amount_minor, "currency": currency},
    ]


def charge_legs(revenue: str, amount_minor: int, currency: str) -> list[dict[str, object]]:
    """Money the customer paid us through the provider (an exchange difference, a repair quote, a captured
    hold): debit the provider's cash, credit the revenue it earns."""
    return pair(PROVIDER_CASH, revenue, amount_minor, currency)
