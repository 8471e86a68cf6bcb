"""Typed builders for test data (orders as a storefront would send them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

_seq = iter(range(1, 10**9))


def line(
    line_id: str = "L1",
    *,
    sku: str = "SKU-1",
    unit_price: int = 10_000,
    quantity: int = 1,
    tax: int = 0,
    category: str = "apparel",
    tags: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": line_id,
        "sku": sku,
        "title": f"Item {sku}",
        "category": category,
        "tags": tags or [],
        "quantity": quantity,
        "unit_price": unit_price,
        "tax": tax,
        **extra,
    }


def order_payload(
    number: str | None = None,
    *,
    country: str = "CN",
    currency: str = "CNY",
    delivered_days_ago: int | None = 3,
    email: str = "mei@example.com",
    lines: list[dict[str, Any]] | None = None,
    shipping: int = 0,
    discount: int = 0,
    charge_id: str | None = "ch_test",
    now: datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An order whose single card tender pays exactly the total."""
    now = now or datetime.now(UTC)
    lines = lines or [line()]
    goods = sum(li["unit_price"] * li["quantity"] + li.get("tax", 0) for li in lines)
    total = goods + shipping - discount
    delivered = now - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    body: dict[str, Any] = {
        "number": number or f"ORD-{next(_seq):06d}",
        "customer": {
            "email": email,
            "name": "Mei Lin",
            "phone": "+8613800000000",
            "locale": "zh-Hans",
        },
        "currency": currency,
        "placed_at": (now - timedelta(days=(delivered_days_ago or 0) + 2)).isoformat(),
        "delivered_at": delivered.isoformat() if delivered else None,
        "ship_to": {
            "country": country,
            "name": "Mei Lin",
            "line1": "1 Road",
            "city": "Shanghai",
            "postal_code": "200000",
        },
        "lines": lines,
        "shipping": shipping,
        "discounts": [{"code": "PROMO", "amount": discount}] if discount else [],
        "tenders": [{"type": "card", "amount": total, "provider_charge_id": charge_id}],
    }
    body.update(extra)
    return body
