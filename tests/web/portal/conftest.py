"""Portal page tests: a browser-like client (session cookie, no API key) and orders imported through the API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.builders import line, order_payload
from tests.support.html import csrf_from


@pytest.fixture
async def order(client: httpx.AsyncClient) -> dict[str, Any]:
    """A delivered CN order of two lines (one final-sale, which a change of mind cannot send back)."""
    body = order_payload(
        lines=[
            line("L1", sku="TEE-1", unit_price=12_900, quantity=2),
            line("L2", sku="SALE-1", unit_price=5_000, tags=["final_sale"]),
        ],
        email="mei@example.com",
    )
    body["customer"]["locale"] = "en"  # page tests read English; the browser tests cover the other languages
    got = await client.post("/api/v1/orders", json=body)
    assert got.status_code == 201, got.text
    return body


@pytest.fixture
async def customer(client: httpx.AsyncClient, order: dict[str, Any]) -> httpx.AsyncClient:
    client.headers.pop("Authorization", None)  # pages use the session cookie, never the API key
    client.headers["Accept-Language"] = "en"
    return client


async def found(customer: httpx.AsyncClient, order: dict[str, Any], contact: str | None = None) -> httpx.Response:
    """Step 1 done: the order found, the items page loaded."""
    page = await customer.get("/returns")
    got = await customer.post(
        "/returns",
        data={
            "csrf_token": csrf_from(page.text),
            "order_number": order["number"],
            "contact": contact or order["customer"]["email"],
        },
    )
    assert got.status_code == 303, got.text
    items = await customer.get(got.headers["location"])
    assert items.status_code == 200
    return items
