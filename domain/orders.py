"""The facts a return is checked against: the order as bought, the customer's request, the customer's history."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.money import Money
from domain.reasons import Fault, Reason, fault

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Tag(StrEnum):
    """Fixed product-tag vocabulary that policies refer to."""

    PERISHABLE = "perishable"
    CUSTOMIZED = "customized"
    DIGITAL = "digital"
    PERIODICAL = "periodical"
    HYGIENE = "hygiene"
    FINAL_SALE = "final_sale"
    GIFT_CARD = "gift_card"
    THREE_GUARANTEES = "three_guarantees"  # 三包: CN statutory repair/exchange/return duties for faults


class TenderType(StrEnum):
    CARD = "card"
    GIFT_CARD = "gift_card"
    POINTS = "points"
    WALLET = "wallet"


# Stored value first: refunding a gift card or points balance to a card would turn it into cash.
DEFAULT_TENDER_ORDER = (TenderType.POINTS, TenderType.GIFT_CARD, TenderType.WALLET, TenderType.CARD)


class Resolution(StrEnum):
    REFUND = "refund"
    STORE_CREDIT = "store_credit"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    REPLACEMENT = "replacement"  # the same item again: defective, wrong item sent, parts missing
    KEEP_IT = "keep_it"


class OrderLine(BaseModel):
    model_config = _FROZEN
    line_id: str = Field(min_length=1)
    sku: str
    title: str
    category: str
    tags: tuple[Tag, ...] = ()
    quantity: int = Field(gt=0)
    unit_price: Money  # paid per unit, before order-level discounts
    tax: Money  # tax for the whole line (all units)


class Tender(BaseModel):
    model_config = _FROZEN
    type: TenderType
    amount: Money  # captured
    reference: str | None = None  # provider charge id, gift card number, ...


class OrderFacts(BaseModel):
    """An order as imported. `already_returned` per line: for eligibility, units in the order's other live
    cases; for refund maths, units in refunds made before this one, so every unit's share is paid once."""

    model_config = _FROZEN
    number: str
    currency: str
    placed_at: datetime
    delivered_at: datetime | None
    ship_to_country: str = Field(min_length=2, max_length=2)
    channel: str = "web"
    lines: tuple[OrderLine, ...] = Field(min_length=1)
    shipping: Money
    discounts: Money  # order-level, spread over lines by refunds.allocate_discount
    tenders: tuple[Tender, ...] = ()
    already_returned: dict[str, int] = {}
    shipping_refunded: bool = False  # outbound shipping is refunded at most once per order
    shipping_fee_insured: bool = False  # 运费险 bought at checkout: the insurer pays the return postage

    @field_validator("placed_at", "delivered_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # Stored timestamps are UTC; SQLite hands them back without an offset.
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @field_validator("ship_to_country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _consistent(self) -> OrderFacts:
        amounts = [self.shipping, self.discounts, *(t.amount for t in self.tenders)]
        amounts += [m for line in self.lines for m in (line.unit_price, line.tax)]
        if any(m.currency != self.currency for m in amounts):
            raise ValueError(f"every amount must be in the order currency {self.currency}")
        if any(m.minor < 0 for m in amounts):
            raise ValueError("order amounts cannot be negative")
        ids = [line.line_id for line in self.lines]
        if len(ids) != len(set(ids)):
            raise ValueError("line ids must be unique within an order")
        goods = sum(line.unit_price.minor * line.quantity + line.tax.minor for line in self.lines)
        if self.discounts.minor > goods:
            raise ValueError("order-level discounts exceed the value of the goods")
        if any(n < 0 for n in self.already_returned.values()):
            raise ValueError("already returned quantities cannot be negative")
        return self

    def line(self, line_id: str) -> OrderLine | None:
        return next((line for line in self.lines if line.line_id == line_id), None)

    def remaining_quantity(self, line_id: str) -> int:
        """Units of the line that can still be returned (bought minus already in earlier cases)."""
        line = self.line(line_id)
        if line is None:
            return 0
        return max(0, line.quantity - self.already_returned.get(line_id, 0))

    def returnable_lines(self) -> list[tuple[OrderLine, int]]:
        """Lines still offered for return with their remaining quantity, so a partly returned line is
        never offered again in full."""
        return [(line, n) for line in self.lines if (n := self.remaining_quantity(line.line_id)) > 0]


class RequestItem(BaseModel):
    model_config = _FROZEN
    line_id: str
    quantity: int  # validated by evaluate (refusal), so a bad value is explained rather than a 422
    reason: Reason
    comment: str | None = None

    @property
    def fault(self) -> Fault:
        return fault(self.reason)


class ReturnRequest(BaseModel):
    model_config = _FROZEN
    items: tuple[RequestItem, ...]
    resolution: Resolution
    email: str
    use_merchant_label: bool = True  # a label bought by the merchant; its fee is deducted if the customer pays


class CustomerHistory(BaseModel):
    """What the service knows about the customer; `blocklisted` comes from MerchantPolicy.is_blocklisted."""

    model_config = _FROZEN
    orders: int = Field(default=0, ge=0)
    returned_orders: int = Field(default=0, ge=0)
    empty_box_findings: int = Field(default=0, ge=0)  # earlier inspections graded X for an empty box
    blocklisted: bool = False

    def return_rate_bp(self) -> int:
        """Share of orders with a return, in basis points (0 without orders)."""
        return self.returned_orders * 10_000 // self.orders if self.orders else 0
