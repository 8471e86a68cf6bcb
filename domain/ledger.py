"""Ledger accounts and the balanced legs of each kind of money movement."""

from __future__ import annotations

REFUNDS_EXPENSE = "returns:refunds"
GOODWILL_EXPENSE = "returns:goodwill"
EXCHANGE_DIFFERENCE = "returns:exchange_difference"  # refunded: the new item was cheaper
EXCHANGE_REVENUE = "revenue:exchange_difference"  # charged: the new item cost more
UNRETURNED_REVENUE = "revenue:unreturned_exchange"  # an instant exchange whose return never came: hold captured
REPAIR_REVENUE = "revenue:repairs"  # out-of-warranty repair quotes the customer paid
PROVIDER_CASH = "cash:payment_provider"
# Return labels: what the carrier bills the merchant for each label it bought (settled with the carrier outside
# Rebound), and the label fee a customer who pays postage had deducted from their refund.
POSTAGE_EXPENSE = "returns:return_postage"
CARRIER_PAYABLE = "liability:carrier"
POSTAGE_RECOVERED = "revenue:return_postage"
RESTOCKING_REVENUE = "revenue:restocking_fees"  # the restocking fee a refund kept back
# Returned goods put back into stock (restocked, sold open box, ...) at the value the disposition recovers.
RETURNED_INVENTORY = "inventory:returned_goods"
DISPOSITION_RECOVERED = "returns:disposition_recovered"

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


def postage_legs(amount_minor: int, currency: str) -> list[dict[str, object]]:
    """A return label bought from the carrier: the postage is an expense, owed to the carrier."""
    return pair(POSTAGE_EXPENSE, CARRIER_PAYABLE, amount_minor, currency)


def kept_back_legs(income: str, amount_minor: int, currency: str) -> list[dict[str, object]]:
    """Part of a refund kept back (a restocking fee, the label fee): the refund is booked at its full value,
    so refund paid + kept back = what the returned goods were worth, and the part kept back is income."""
    return pair(REFUNDS_EXPENSE, income, amount_minor, currency)


def recovery_legs(amount_minor: int, currency: str) -> list[dict[str, object]]:
    """Returned goods back in stock: inventory gains their value and the cost of the return falls by it."""
    return pair(RETURNED_INVENTORY, DISPOSITION_RECOVERED, amount_minor, currency)
