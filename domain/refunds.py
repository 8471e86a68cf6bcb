"""Refund maths: discount allocation, per-line refundable amounts, fees, and the split over tenders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from domain.errors import Conflict
from domain.money import Money
from domain.orders import DEFAULT_TENDER_ORDER, OrderFacts, Tender, TenderType

FULL = 10_000  # basis points
_MODEL = ConfigDict(frozen=True, extra="forbid")


class RefundCapExceeded(Conflict):
    """More was asked than the tenders still hold: the order would be refunded beyond what was captured."""

    code = "refund_cap_exceeded"


def round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half to even, in exact integer arithmetic."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(numerator, denominator)
    if 2 * r > denominator or (2 * r == denominator and q % 2 == 1):
        q += 1
    return q


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` in proportion to `weights` so the parts sum exactly to it: each part gets its floor,
    the units left over go to the largest remainders, ties to the earlier position."""
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("allocate needs a non-negative total and weights")
    weight = sum(weights)
    if weight == 0:
        if total:
            raise ValueError("cannot allocate a positive total over zero weights")
        return [0] * len(weights)
    parts = [total * w // weight for w in weights]
    left = total - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def _discount_parts(order: OrderFacts) -> dict[str, tuple[int, int]]:
    """Per line, the order-level discount on its goods and on its tax. Spread by line value (unit price x
    quantity); only a discount larger than all the goods (possible with tax) reaches the tax, by tax."""
    goods = [line.unit_price.minor * line.quantity for line in order.lines]
    on_goods = min(order.discounts.minor, sum(goods))
    parts = allocate(on_goods, goods)
    on_tax = allocate(order.discounts.minor - on_goods, [line.tax.minor for line in order.lines])
    return {line.line_id: (g, t) for line, g, t in zip(order.lines, parts, on_tax, strict=True)}


def allocate_discount(order: OrderFacts) -> dict[str, Money]:
    """The order-level discount per line; the parts sum exactly to the discount and no line goes negative."""
    return {key: Money(g + t, order.currency) for key, (g, t) in _discount_parts(order).items()}


def slice_of(total: int, done: int, count: int, of: int) -> int:
    """The part of `total` belonging to units done+1 .. done+count out of `of` units. Computed as a
    difference of rounded running totals, so any sequence of slices adds up to `total` exactly."""
    if not 0 <= done <= done + count <= of:
        raise ValueError(f"units {done}+{count} are outside 0..{of}")
    return round_div(total * (done + count), of) - round_div(total * done, of)


class LineRefund(BaseModel):
    """What returning `quantity` units of one line is worth, and what is kept back."""

    model_config = _MODEL
    line_id: str
    quantity: int
    goods: Money  # unit price x quantity
    discount: Money  # this slice's share of the order-level discount
    tax: Money  # this slice's share of the line's tax
    deduction: Money  # inspection grade short of a full refund (share_bp)
    restocking_fee: Money
    total: Money


class RefundItem(BaseModel):
    model_config = _MODEL
    line_id: str
    quantity: int = Field(gt=0)
    share_bp: int = Field(default=FULL, ge=0, le=FULL)  # from inspection; 100% until inspected
    restocking_fee: bool = False  # whether the market's restocking fee applies to this item


def line_refund(order: OrderFacts, item: RefundItem, *, restocking_fee_bp: int = 0) -> LineRefund:
    """Refund for one item: units `already_returned` come first, this item takes the next ones. Each unit
    range must be used once (count only refunds made before this one), then the rounding of discount and
    tax shares balances out exactly over all the line's refunds."""
    line = order.line(item.line_id)
    if line is None:
        raise ValueError(f"order {order.number} has no line {item.line_id}")
    done = order.already_returned.get(line.line_id, 0)
    if done + item.quantity > line.quantity:
        raise ValueError(f"line {line.line_id}: {item.quantity} more units would exceed the {line.quantity} bought")
    cur = order.currency
    goods = line.unit_price.minor * item.quantity
    on_goods, on_tax = _discount_parts(order)[line.line_id]
    tax = slice_of(line.tax.minor, done, item.quantity, line.quantity)
    # Slicing the tax net of its discount (not the two separately) keeps every slice's total >= 0.
    net_tax = slice_of(line.tax.minor - on_tax, done, item.quantity, line.quantity)
    discount = slice_of(on_goods, done, item.quantity, line.quantity) + tax - net_tax
    gross = goods - discount + tax
    deduction = gross - round_div(gross * item.share_bp, FULL)
    # The fee is on the price of the goods; the tax on them is refunded in full.
    fee = round_div(max(0, goods - discount) * restocking_fee_bp, FULL) if item.restocking_fee else 0
    fee = min(fee, gross - deduction)
    return LineRefund(
        line_id=line.line_id,
        quantity=item.quantity,
        goods=Money(goods, cur),
        discount=Money(discount, cur),
        tax=Money(tax, cur),
        deduction=Money(deduction, cur),
        restocking_fee=Money(fee, cur),
        total=Money(gross - deduction - fee, cur),
    )


class RefundBreakdown(BaseModel):
    model_config = _MODEL
    lines: tuple[LineRefund, ...]
    shipping: Money  # outbound shipping refunded
    return_postage: Money  # deducted for the merchant's label
    total: Money

    @property
    def items_value(self) -> Money:
        """Goods after discount plus tax, before deductions: what thresholds are measured against."""
        cur = self.total.currency
        return Money(sum(li.goods.minor - li.discount.minor + li.tax.minor for li in self.lines), cur)

    @property
    def restocking_fee(self) -> Money:
        return Money(sum(li.restocking_fee.minor for li in self.lines), self.total.currency)


def compute_refund(
    order: OrderFacts,
    items: Sequence[RefundItem],
    *,
    restocking_fee_bp: int = 0,
    refund_shipping: bool = False,
    return_postage: Money | None = None,
) -> RefundBreakdown:
    """The refund for a case: its lines, plus outbound shipping when due, minus the return label fee
    (pass it only when the customer pays postage and used the merchant's label). Never below zero."""
    ids = [i.line_id for i in items]
    if len(ids) != len(set(ids)):
        raise ValueError("each order line may appear only once in a refund")
    cur = order.currency
    lines = tuple(line_refund(order, i, restocking_fee_bp=restocking_fee_bp) for i in items)
    shipping = order.shipping if refund_shipping and not order.shipping_refunded else Money.zero(cur)
    subtotal = sum(li.total.minor for li in lines) + shipping.minor
    postage = min(return_postage.minor if return_postage else 0, subtotal)
    return RefundBreakdown(
        lines=lines,
        shipping=shipping,
        return_postage=Money(postage, cur),
        total=Money(subtotal - postage, cur),
    )


def completes_order(order: OrderFacts, quantities: Mapping[str, int]) -> bool:
    """True when these quantities plus earlier returns give back every unit of every line."""
    return all(
        order.already_returned.get(li.line_id, 0) + quantities.get(li.line_id, 0) >= li.quantity for li in order.lines
    )


def split_by_tender_positions(
    amount: Money,
    tenders: Sequence[Tender],
    already_refunded: Sequence[Money],
    order: Sequence[TenderType] = DEFAULT_TENDER_ORDER,
) -> list[tuple[int, Money]]:
    """Positions of `tenders` and the amount to refund to each, in refund order, never more per tender
    than it captured minus what earlier refunds returned to it."""
    if len(already_refunded) != len(tenders):
        raise ValueError("already_refunded must give one amount per tender")
    if amount.minor < 0:
        raise ValueError("a refund amount cannot be negative")
    left: list[int] = []
    for tender, refunded in zip(tenders, already_refunded, strict=True):
        if amount.currency != tender.amount.currency or refunded.currency != tender.amount.currency:
            raise ValueError("refund and tenders must share one currency")
        if not 0 <= refunded.minor <= tender.amount.minor:
            raise ValueError(f"{tender.type} tender shows {refunded} refunded of {tender.amount} captured")
        left.append(tender.amount.minor - refunded.minor)
    if amount.minor > sum(left):
        raise RefundCapExceeded(
            f"refund of {amount} exceeds the {Money(sum(left), amount.currency)} still refundable on the order",
            fields={"amount": "exceeds what remains refundable"},
        )
    rank = {t: n for n, t in enumerate(order)}
    positions = sorted(range(len(tenders)), key=lambda i: (rank.get(tenders[i].type, len(rank)), i))
    out: list[tuple[int, Money]] = []
    due = amount.minor
    for i in positions:
        take = min(due, left[i])
        if take:
            out.append((i, Money(take, amount.currency)))
            due -= take
    return out


def split_by_tenders(
    amount: Money,
    tenders: Sequence[Tender],
    already_refunded: Sequence[Money],
    order: Sequence[TenderType] = DEFAULT_TENDER_ORDER,
) -> list[tuple[Tender, Money]]:
    """How a refund is paid back over the order's tenders (raises RefundCapExceeded beyond what remains)."""
    return [(tenders[i], m) for i, m in split_by_tender_positions(amount, tenders, already_refunded, order)]
