"""Creating returns: idempotency, validation that writes nothing, and money never above what was captured."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import ReturnCase
from tests.support.builders import line
from tests.support.stack import Stack


async def _cases(stack: Stack) -> int:
    async with stack.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(ReturnCase)) or 0)


async def _refund_case(stack: Stack, number: str, grade: str = "A") -> dict[str, Any]:
    await stack.reach(number, "awaiting_shipment")
    await stack.advance((await stack.case(number))["shipments"][0]["tracking_number"], "delivered")
    await stack.reach(number, "received")
    case = await stack.case(number)
    items = [{"line_id": i["line_id"], "grade": grade} for i in case["items"] if i["eligible"]]
    graded = await stack.api.post(
        f"/api/v1/returns/{number}/inspection", json={"items": items}, headers=await stack.staff("agent")
    )
    assert graded.status_code == 200, graded.text
    await stack.reach(number, "completed")
    return await stack.case(number)


async def test_double_submit_returns_the_same_case(stack: Stack) -> None:
    order = await stack.order()
    first = await stack.open_return(order, key="click-1")
    second = await stack.open_return(order, key="click-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] == second.json()["number"]
    changed = await stack.open_return(order, key="click-1", reason="wrong_size")
    assert changed.status_code == 409 and changed.json()["error"] == "idempotency_key_reused"
    assert await _cases(stack) == 1


async def test_two_returns_on_one_order_refund_exactly_what_was_captured(stack: Stack) -> None:
    # 3 units at 33.33 with 10.00 tax and a 5.00 order discount: shares that do not divide evenly.
    order = await stack.order(lines=[line("L1", unit_price=3_333, quantity=3, tax=1_000)], discount=500)
    captured = order["tenders"][0]["amount"]
    first = await stack.open_return(order, items=[{"line_id": "L1", "quantity": 2, "reason": "changed_mind"}])
    second = await stack.open_return(order, items=[{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}])
    assert first.status_code == second.status_code == 201, second.text
    third = await stack.open_return(order, items=[{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}])
    assert third.status_code == 422  # nothing of the line is left to return
    refunded = paid_out = 0
    for created in (second, first):  # refunded out of order on purpose
        case = await _refund_case(stack, created.json()["number"])
        refunded += sum(r["amount"]["amount"] for r in case["refunds"] if r["status"] == "succeeded")
        for refund in case["refunds"]:
            paid_out += sum(
                p["amount"] for p in await stack.provider_refunds(refund["id"]) if p["status"] == "succeeded"
            )
    assert refunded == paid_out == captured
    assert await stack.ledger_balance() == {"CNY": 0}


BAD_REQUESTS = [
    ("unknown order", lambda o: {"order_number": "NOPE-404"}, 404, "order_not_found"),
    ("wrong email", lambda o: {"email": "someone.else@example.com"}, 404, "order_not_found"),
    (
        "quantity above bought",
        lambda o: {"items": [{"line_id": "L1", "quantity": 3, "reason": "changed_mind"}]},
        422,
        "invalid_return_request",
    ),
    (
        "line of another order",
        lambda o: {"items": [{"line_id": "L9", "quantity": 1, "reason": "changed_mind"}]},
        422,
        "invalid_return_request",
    ),
    (
        "unknown reason",
        lambda o: {"items": [{"line_id": "L1", "quantity": 1, "reason": "bored"}]},
        422,
        "validation_failed",
    ),
    (
        "duplicate line",
        lambda o: {"items": [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}] * 2},
        422,
        "validation_failed",
    ),
    (
        "zero quantity",
        lambda o: {"items": [{"line_id": "L1", "quantity": 0, "reason": "changed_mind"}]},
        422,
        "validation_failed",
    ),
    ("price from the browser", lambda o: {"refund_amount": 1}, 422, "validation_failed"),
]


@pytest.mark.parametrize(("case", "change", "status", "code"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
async def test_bad_requests_are_refused_with_a_reason_and_create_nothing(
    stack: Stack, case: str, change: Any, status: int, code: str
) -> None:
    order = await stack.order(quantity=2)
    body = {
        "order_number": order["number"],
        "email": order["customer"]["email"],
        "resolution": "refund",
        "items": [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}],
        **change(order),
    }
    got = await stack.api.post("/api/v1/returns", json=body)
    assert got.status_code == status, got.text
    assert got.json()["error"] == code
    assert got.json()["detail"]
    assert await _cases(stack) == 0
