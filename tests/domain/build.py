"""Typed builders for domain tests: orders, requests and histories with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from domain.money import Money
from domain.orders import (
    CustomerHistory,
    OrderFacts,
    OrderLine,
    RequestItem,
    Resolution,
    ReturnRequest,
    Tag,
    Tender,
    TenderType,
)
from domain.policy import MarketPolicy, default_policy
from domain.reasons import Reason

CST = timezone(timedelta(hours=8))
# Delivery at 10:00 local time; tests count whole days after it.
DELIVERED = datetime(2026, 3, 2, 10, 0, tzinfo=CST)


def market(country: str, **changes: object) -> MarketPolicy:
    """The default policy's rules for `country`, with fields replaced (validated again)."""
    base = default_policy().for_market(country)
    return MarketPolicy.model_validate({**base.model_dump(), **changes})


def line(
    line_id: str = "L1",
    *,
    unit: int = 100_00,
    qty: int = 1,
    tax: int = 0,
    currency: str = "CNY",
    tags: tuple[Tag, ...] = (),
    category: str = "apparel",
) -> OrderLine:
    return OrderLine(
        line_id=line_id,
        sku=f"SKU-{line_id}",
        title=f"Item {line_id}",
        category=category,
        tags=tags,
        quantity=qty,
        unit_price=Money(unit, currency),
        tax=Money(tax, currency),
    )


def order(
    *lines: OrderLine,
    country: str = "CN",
    currency: str = "CNY",
    delivered: datetime | None = DELIVERED,
    shipping: int = 0,
    discount: int = 0,
    tenders: tuple[Tender, ...] | None = None,
    already_returned: dict[str, int] | None = None,
    shipping_refunded: bool = False,
) -> OrderFacts:
    """An order paid by one card for its full total unless tenders are given."""
    lines = lines or (line(currency=currency),)
    total = sum(li.unit_price.minor * li.quantity + li.tax.minor for li in lines) + shipping - discount
    placed = (delivered or DELIVERED) - timedelta(days=2)
    return OrderFacts(
        number="ORD-1",
        currency=currency,
        placed_at=placed,
        delivered_at=delivered,
        ship_to_country=country,
        lines=lines,
        shipping=Money(shipping, currency),
        discounts=Money(discount, currency),
        tenders=tenders if tenders is not None else (Tender(type=TenderType.CARD, amount=Money(total, currency)),),
        already_returned=already_returned or {},
        shipping_refunded=shipping_refunded,
    )


def item(line_id: str = "L1", qty: int = 1, reason: Reason = Reason.CHANGED_MIND) -> RequestItem:
    return RequestItem(line_id=line_id, quantity=qty, reason=reason)


def request(
    *items: RequestItem,
    resolution: Resolution = Resolution.REFUND,
    email: str = "mei@example.com",
    use_merchant_label: bool = True,
) -> ReturnRequest:
    return ReturnRequest(
        items=items or (item(),),
        resolution=resolution,
        email=email,
        use_merchant_label=use_merchant_label,
    )


def days_after_delivery(days: int, *, hours: int = 2) -> datetime:
    """`days` calendar days after the delivery day, at noon local time by default."""
    return DELIVERED + timedelta(days=days, hours=hours)


def history(**fields: int | bool) -> CustomerHistory:
    return CustomerHistory.model_validate(fields)


NOW_UTC = datetime(2026, 3, 5, 4, 0, tzinfo=UTC)  # day 3 after delivery, noon in Shanghai
