"""A return from request to money on the real dev server, worker, API and sandbox partners."""

from __future__ import annotations

from tests.support.stack import Stack


async def test_happy_path_to_refunded(stack: Stack) -> None:
    order = await stack.order(amount=12_900)
    created = await stack.open_return(order)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    assert created.json()["decision"] == "approve"

    await stack.reach(number, "awaiting_shipment")
    case = await stack.case(number)
    shipment = case["shipments"][0]
    assert shipment["status"] == "label_created" and shipment["label_url"]
    assert "ship_by" in case["deadlines"]

    await stack.advance(shipment["tracking_number"], "delivered")
    await stack.reach(number, "received")
    graded = await stack.api.post(f"/api/v1/returns/{number}/inspection",
                                  json={"items": [{"line_id": "L1", "grade": "A"}]},
                                  headers={"Authorization": f"Bearer {await _agent_token(stack)}"})
    assert graded.status_code == 200, graded.text
    assert graded.json()["status"] == "inspected"

    await stack.reach(number, "completed")
    case = await stack.case(number)
    assert case["status"] == "completed"
    [refund] = case["refunds"]
    assert refund["status"] == "succeeded" and refund["amount"] == {"amount": 12_900, "currency": "CNY"}
    paid = await stack.provider_refunds(refund["id"])
    assert [(p["amount"], p["status"]) for p in paid] == [(12_900, "succeeded")]
    types = [e["type"] for e in case["timeline"]]
    assert types.index("carrier.delivered") < types.index("inspected") < types.index("refund.succeeded")
    assert case["items"][0]["inspection"]["disposition"] == "restock"
    assert await stack.ledger_balance() == {"CNY": 0}


async def _agent_token(stack: Stack) -> str:
    from services.access import create_staff_user  # noqa: PLC0415

    async with stack.sessionmaker() as s:
        await create_staff_user(s, "agent-e2e", "agent password 1", "agent")
        await s.commit()
    got = await stack.api.post("/api/v1/auth/token", json={"username": "agent-e2e", "password": "agent password 1"})
    return str(got.json()["access_token"])
