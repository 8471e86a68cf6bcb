"""Exchange maths: what the returned goods are worth towards the new ones, the price difference charged or
refunded, what an instant exchange holds on the customer's card, and who is trusted with one."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from domain.money import Money
from domain.orders import CustomerHistory, OrderFacts
from domain.policy.model import ExchangeRules
from domain.refunds import RefundItem, compute_refund

_MODEL = ConfigDict(frozen=True, extra="forbid")


class NewItem(BaseModel):
    """One unit kind the customer gets instead of a returned line, at the catalogue's price (tax included)."""

    model_config = _MODEL
    line_id: str  # the returned line it replaces
    sku: str
    quantity: int = Field(gt=0)
    unit_price: Money


class ExchangeQuote(BaseModel):
    """The money of one exchange, fixed when the case opens (the prices the customer saw)."""

    model_config = _MODEL
    credit: Money  # the returned goods as paid: price after order discounts plus their tax share
    new_total: Money  # the new goods at today's catalogue prices
    hold: Money  # instant exchange: authorised now, captured if the return never arrives

    @property
    def difference(self) -> int:
        """Signed minor units: positive is charged to the customer, negative refunded."""
        return self.new_total.minor - self.credit.minor

    @property
    def to_charge(self) -> Money:
        return Money(max(0, self.difference), self.credit.currency)

    @property
    def to_refund(self) -> Money:
        return Money(max(0, -self.difference), self.credit.currency)


def quote(order: OrderFacts, returned: Sequence[tuple[str, int]], new_items: Sequence[NewItem]) -> ExchangeQuote:
    """Price an exchange of `returned` (line id, quantity) for `new_items`. The credit is what a refund of
    those units would pay for the goods (no shipping, no fees: the sale goes on); a replacement of the same
    item at the price paid comes out even."""
    cur = order.currency
    if any(i.unit_price.currency != cur for i in new_items):
        raise ValueError("new items must be priced in the order's currency")
    breakdown = compute_refund(order, [RefundItem(line_id=line_id, quantity=qty) for line_id, qty in returned])
    credit = breakdown.items_value
    new_total = Money(sum(i.unit_price.minor * i.quantity for i in new_items), cur)
    # If the old goods never come back the customer owes the new ones: what was charged on top of the
    # credit already covers a pricier item, so the hold is the smaller of the two.
    hold = Money(min(credit.minor, new_total.minor), cur)
    return ExchangeQuote(credit=credit, new_total=new_total, hold=hold)


def trusted_for_instant(rules: ExchangeRules, history: CustomerHistory) -> bool:
    """Whether the customer may get the new item before sending the old one back: enough orders, few returns,
    no empty boxes, not blocklisted. `history` counts the customer's orders and returns before this case."""
    if rules.instant_min_orders is None or history.blocklisted or history.empty_box_findings:
        return False
    return history.orders >= rules.instant_min_orders and history.return_rate_bp() <= rules.instant_max_return_rate_bp


def replacement_quote(order: OrderFacts, returned: Sequence[tuple[str, int]]) -> ExchangeQuote:
    """The same item again for a fault of ours: nothing is charged or refunded; an instant replacement holds
    the value of the goods that should come back."""
    credit = compute_refund(order, [RefundItem(line_id=line_id, quantity=qty) for line_id, qty in returned]).items_value
    return ExchangeQuote(credit=credit, new_total=credit, hold=credit)
