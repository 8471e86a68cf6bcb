"""Ledger legs of cross-border money: duty and tax paid on a return's import, duty drawback claimed and paid."""

from __future__ import annotations

from domain.ledger import pair as _pair

DUTIES_EXPENSE = "returns:duties"
BROKER_CASH = "cash:customs_broker"  # paid through the broker's deferment account
DRAWBACK_RECEIVABLE = "receivable:duty_drawback"
DRAWBACK_INCOME = "returns:duty_drawback"
BANK = "cash:bank"


def duty_paid_legs(amount_minor: int, currency: str) -> list[dict[str, object]]:
    return _pair(DUTIES_EXPENSE, BROKER_CASH, amount_minor, currency)


def drawback_legs(amount_minor: int, currency: str) -> list[dict[str, object]]:
    """Claimed: the authority owes us; income reduces what the return cost."""
    return _pair(DRAWBACK_RECEIVABLE, DRAWBACK_INCOME, amount_minor, currency)


def drawback_paid_legs(amount_minor: int, currency: str) -> list[dict[str, object]]:
    return _pair(BANK, DRAWBACK_RECEIVABLE, amount_minor, currency)
