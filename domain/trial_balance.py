"""Trial balance: each account's net movement per currency over a period; balanced postings sum to zero."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.ledger import (
    CARRIER_PAYABLE,
    DISPOSITION_RECOVERED,
    EXCHANGE_DIFFERENCE,
    EXCHANGE_REVENUE,
    GOODWILL_EXPENSE,
    POSTAGE_EXPENSE,
    POSTAGE_RECOVERED,
    REFUNDS_EXPENSE,
    REPAIR_REVENUE,
    RESTOCKING_REVENUE,
    RETURNED_INVENTORY,
    TENDER_ACCOUNT,
    UNRETURNED_REVENUE,
)

# The account's family is the part before the colon; it decides where the account sits in the statements.
CLASS_BY_PREFIX = {
    "cash": "asset",
    "receivable": "asset",
    "inventory": "asset",
    "liability": "liability",
    "returns": "expense",
    "expense": "expense",
    "revenue": "revenue",
    "income": "revenue",
}
# The chart of accounts the workflows post to today, in the order finance reads them.
CHART = (
    REFUNDS_EXPENSE,
    GOODWILL_EXPENSE,
    POSTAGE_EXPENSE,
    DISPOSITION_RECOVERED,
    EXCHANGE_DIFFERENCE,
    EXCHANGE_REVENUE,
    UNRETURNED_REVENUE,
    REPAIR_REVENUE,
    RESTOCKING_REVENUE,
    POSTAGE_RECOVERED,
    *dict.fromkeys(TENDER_ACCOUNT.values()),
    CARRIER_PAYABLE,
    RETURNED_INVENTORY,
)


def account_class(account: str) -> str:
    """asset, liability, expense, revenue, or other for an account outside the known families."""
    return CLASS_BY_PREFIX.get(account.partition(":")[0], "other")


def is_profit_and_loss(account: str) -> bool:
    """Expense and revenue accounts: what a movement on them costs or earns the merchant."""
    return account_class(account) in ("expense", "revenue")


@dataclass(frozen=True, slots=True)
class Line:
    account: str
    account_class: str
    balance: int  # signed: debit positive, credit negative

    @property
    def debit(self) -> int:
        return max(self.balance, 0)

    @property
    def credit(self) -> int:
        return max(-self.balance, 0)


@dataclass(frozen=True, slots=True)
class CurrencyBalance:
    currency: str
    lines: tuple[Line, ...]

    @property
    def debits(self) -> int:
        return sum(line.debit for line in self.lines)

    @property
    def credits(self) -> int:
        return sum(line.credit for line in self.lines)

    @property
    def difference(self) -> int:
        """Zero when every posting balanced; anything else is a bug finance must see, not a rounding."""
        return self.debits - self.credits


def _order(account: str) -> tuple[int, str]:
    return (CHART.index(account), "") if account in CHART else (len(CHART), account)


def trial_balance(legs: Iterable[tuple[str, str, int]]) -> list[CurrencyBalance]:
    """Ledger legs (or per-account sums) as (currency, account, signed amount) -> one balance per currency,
    accounts in chart order; currencies are never added together."""
    sums: dict[str, dict[str, int]] = {}
    for currency, account, amount in legs:
        accounts = sums.setdefault(currency, {})
        accounts[account] = accounts.get(account, 0) + amount
    return [
        CurrencyBalance(
            currency,
            tuple(Line(a, account_class(a), sums[currency][a]) for a in sorted(sums[currency], key=_order)),
        )
        for currency in sorted(sums)
    ]
