"""Order import API: upsert by number, validation that names the field, nothing half-written."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from db.models import Customer, Order, OrderLine
from tests.support.builders import line, order_payload


async def _count(sessionmaker, model) -> int:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_create_then_read_order(client: httpx.AsyncClient) -> None:
    body = order_payload(
        "SO-1001",
        lines=[
            line("L1", unit_price=12_900, quantity=2, tax=1_677),
            line("L2", sku="SKU-2", unit_price=5_000, tags=["final_sale"]),
        ],
        shipping=1_000,
        discount=900,
    )
    created = await client.post("/api/v1/orders", json=body)
    assert created.status_code == 201, created.text
    got = await client.get("/api/v1/orders/SO-1001")
    assert got.status_code == 200
    order = got.json()
    assert [li["id"] for li in order["lines"]] == ["L1", "L2"]
    assert order["lines"][0]["unit_price"] == {"amount": 12_900, "currency": "CNY"}
    assert order["lines"][1]["tags"] == ["final_sale"]
    assert order["discounts"] == {"amount": 900, "currency": "CNY"}
    assert order["tenders"][0]["amount"]["amount"] == 12_900 * 2 + 1_677 + 5_000 + 1_000 - 900


async def test_upsert_by_number_never_duplicates(client: httpx.AsyncClient, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    body = order_payload("SO-2002")
    assert (await client.post("/api/v1/orders", json=body)).status_code == 201
    body["lines"] = [line("L1", unit_price=10_000), line("L9", sku="SKU-9", unit_price=2_500)]
    body["tenders"][0]["amount"] = 12_500
    again = await client.post("/api/v1/orders", json=body)
    assert again.status_code == 200, again.text
    assert await _count(sessionmaker, Order) == 1
    assert await _count(sessionmaker, Customer) == 1
    assert await _count(sessionmaker, OrderLine) == 2
    assert [li["id"] for li in again.json()["lines"]] == ["L1", "L9"]


async def test_unknown_order_is_404(client: httpx.AsyncClient) -> None:
    got = await client.get("/api/v1/orders/NOPE-1")
    assert got.status_code == 404
    assert got.json()["error"] == "order_not_found"


async def test_missing_or_wrong_key_is_refused(client: httpx.AsyncClient) -> None:
    no_key = await client.post("/api/v1/orders", json=order_payload(), headers={"Authorization": ""})
    assert no_key.status_code == 401
    bad = await client.post("/api/v1/orders", json=order_payload(), headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_api_key"


def _without(body: dict, key: str) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in body.items() if k != key}


BAD_INPUTS = [
    ("missing number", lambda b: _without(b, "number"), "number"),
    ("missing lines", lambda b: _without(b, "lines"), "lines"),
    ("negative quantity", lambda b: {**b, "lines": [line(quantity=-1)]}, "lines.0.quantity"),
    ("unknown currency", lambda b: {**b, "currency": "XYZ"}, "currency"),
    ("float money", lambda b: {**b, "lines": [line(unit_price=99.5)]}, "lines.0.unit_price"),  # type: ignore[arg-type]
    ("money as string", lambda b: {**b, "shipping": "10.00"}, "shipping"),
    ("unknown tag", lambda b: {**b, "lines": [line(tags=["cursed"])]}, "lines.0.tags"),
    ("unknown country", lambda b: {**b, "ship_to": {"country": "QQ"}}, "ship_to.country"),
    ("naive timestamp", lambda b: {**b, "placed_at": "2026-11-01T10:00:00"}, "placed_at"),
    (
        "bad email",
        lambda b: {**b, "customer": {**b["customer"], "email": "not-an-email"}},
        "customer.email",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "field"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
async def test_bad_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient,
    sessionmaker,
    case: str,
    mutate,
    field: str,  # type: ignore[no-untyped-def]
) -> None:
    got = await client.post("/api/v1/orders", json=mutate(order_payload()))
    assert got.status_code == 422, got.text
    body = got.json()
    assert body["error"] == "validation_failed"
    assert field in body["fields"], body
    assert body["detail"]
    assert await _count(sessionmaker, Order) == 0


async def test_tenders_must_pay_the_total(client: httpx.AsyncClient) -> None:
    body = order_payload()
    body["tenders"][0]["amount"] -= 1
    got = await client.post("/api/v1/orders", json=body)
    assert got.status_code == 422
    assert "order total" in got.json()["detail"]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    got = await client.post("/api/v1/orders", content=b'{"number": "x", ', headers={"content-type": "application/json"})
    assert got.status_code == 400
    assert got.json()["error"] == "malformed_json"


async def test_five_megabyte_body_is_413(client: httpx.AsyncClient, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    body = order_payload()
    body["customer"]["name"] = "x" * (5 * 1024 * 1024)
    got = await client.post("/api/v1/orders", json=body)
    assert got.status_code == 413
    assert got.json()["error"] == "payload_too_large"
    assert await _count(sessionmaker, Order) == 0
