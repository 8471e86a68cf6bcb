"""Cost of returns: what each ledger movement did to the merchant's result, by component, spread over items."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from domain.ledger import GOODWILL_EXPENSE, REFUNDS_EXPENSE
from domain.refunds import allocate
from domain.trial_balance import is_profit_and_loss

# Cost components, in the order finance reads them; recoveries come out negative.
COMPONENTS = (
    "return_postage",
    "refunds",
    "store_credit",
    "goodwill",
    "exchanges",
    "fees_kept",
    "insurance_recovered",
    "duties",
    "drawback",
    "disposition_recovered",
)
# Components the workflows post to the ledger today (all of them); a new one stays zero until its feature posts it.
POSTED_TODAY = frozenset(COMPONENTS)
COMPONENT_BY_TYPE = {
    "refund": "refunds",
    "store_credit": "store_credit",
    "goodwill": "goodwill",
    # Exchanges and repairs: a difference refunded costs, one charged (or a hold captured, a quote paid) earns.
    "exchange_difference": "exchanges",
    "exchange_capture": "exchanges",
    "repair_fee": "exchanges",
    "return_postage": "return_postage",
    "restocking_fee": "fees_kept",
    "insurance_claimed": "insurance_recovered",
    "insurance_payout": "insurance_recovered",
    "insurance_shortfall": "insurance_recovered",
    "duty_paid": "duties",
    "drawback": "drawback",
    "drawback_claimed": "drawback",
    "drawback_paid": "drawback",
    "disposition": "disposition_recovered",
}
# Movements that keep part of a refund back: the refund is booked at its full value, so their leg on the refunds
# expense is still what the customer would have had back (a refund) and only their income leg is the part kept.
KEPT_BACK = frozenset({"restocking_fee", "return_postage"})


def component_of(type_: str, account: str) -> str | None:
    """Which cost a leg adds to; None for a leg on a balance-sheet account (cash, liabilities), which costs
    nothing by itself: its other side says what the money was for."""
    if not is_profit_and_loss(account):
        return None
    if account == GOODWILL_EXPENSE:
        return "goodwill"
    if account == REFUNDS_EXPENSE and type_ in KEPT_BACK:
        return "refunds"
    return COMPONENT_BY_TYPE.get(type_, "other")


@dataclass
class Costs:
    """Signed cost per component in one currency (positive: the return cost money; negative: recovered)."""

    currency: str
    parts: dict[str, int] = field(default_factory=dict)
    cases: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.parts.values())

    def add(self, component: str, amount: int) -> None:
        self.parts[component] = self.parts.get(component, 0) + amount

    def get(self, component: str) -> int:
        return self.parts.get(component, 0)


@dataclass(frozen=True, slots=True)
class CostLeg:
    case_number: str
    type: str
    account: str
    amount_minor: int
    currency: str


def case_costs(legs: Iterable[CostLeg]) -> dict[str, Costs]:
    """Each case's costs by component, from its ledger legs (one currency per case: the order's)."""
    out: dict[str, Costs] = {}
    for leg in legs:
        component = component_of(leg.type, leg.account)
        if component is None:
            continue
        costs = out.setdefault(leg.case_number, Costs(leg.currency, cases={leg.case_number}))
        costs.add(component, leg.amount_minor)
    return out


def allocate_signed(total: int, weights: Sequence[int]) -> list[int]:
    """Split a cost or a recovery in proportion to the weights, the parts summing exactly to it."""
    if not any(weights):
        weights = [1] * len(weights)
    parts = allocate(abs(total), weights)
    return parts if total >= 0 else [-p for p in parts]


@dataclass(frozen=True, slots=True)
class ItemShare:
    """One returned item of a case: the groups it belongs to and its weight (the value returned)."""

    reason: str
    sku: str
    category: str
    channel: str
    weight: int


def group_costs(
    costs: dict[str, Costs], items: Mapping[str, Sequence[ItemShare]], by: str
) -> dict[tuple[str, str], Costs]:
    """Costs per (currency, group) where group is an item's reason, sku, category or channel; a case's costs are
    spread over its items by value returned, so each group gets its share and the totals stay exact."""
    out: dict[tuple[str, str], Costs] = {}
    for number, case in costs.items():
        shares = list(items.get(number) or [ItemShare("", "", "", "", 1)])
        weights = [s.weight for s in shares]
        split = {c: allocate_signed(amount, weights) for c, amount in case.parts.items()}
        for i, share in enumerate(shares):
            key = (case.currency, str(getattr(share, by)))
            group = out.setdefault(key, Costs(case.currency))
            group.cases.add(number)
            for component, parts in split.items():
                group.add(component, parts[i])
    return out
