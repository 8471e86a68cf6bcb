"""A return from request to money on the real dev server, worker, API and sandbox partners."""

from __future__ import annotations

from datetime import datetime, timedelta

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
    graded = await stack.api.post(
        f"/api/v1/returns/{number}/inspection",
        json={"items": [{"line_id": "L1", "grade": "A"}]},
        headers=await stack.staff("agent"),
    )
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


async def test_rejected_with_reasons_in_the_customers_language(stack: Stack) -> None:
    order = await stack.order(delivered_days_ago=20)  # CN: 7 days without reason
    created = await stack.open_return(order)
    assert created.status_code == 201, created.text
    assert created.json()["decision"] == "reject"
    [reason] = created.json()["items"][0]["reasons"]
    closed = datetime.fromisoformat(order["delivered_at"]) + timedelta(days=7)
    # In the customer's locale (zh-Hans), naming the day the window closed.
    assert "退货期限" in reason and f"{closed.month}月{closed.day}日" in reason, reason
    await stack.reach(created.json()["number"], "rejected")
    case = await stack.case(created.json()["number"])
    assert case["items"][0]["refusals"][0]["code"] == "window_expired"
    assert case["shipments"] == [] and case["refunds"] == []


async def test_review_then_agent_approves(stack: Stack) -> None:
    order = await stack.order()
    created = await stack.open_return(order, reason="other")  # who is at fault is for an agent to judge
    number = created.json()["number"]
    assert created.json()["decision"] == "review"
    await stack.reach(number, "pending_review")
    agent = await stack.staff("agent")
    approved = await stack.api.post(
        f"/api/v1/returns/{number}/approve", json={"reason": "photos show a fault"}, headers=agent
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    again = await stack.api.post(f"/api/v1/returns/{number}/approve", json={}, headers=agent)
    assert again.status_code == 409
    assert again.json()["error"] == "invalid_transition" and "review" in again.json()["detail"]
    await stack.reach(number, "awaiting_shipment")
    timeline = [(e["type"], e["actor"]) for e in (await stack.case(number))["timeline"]]
    assert ("approved", "agent-e2e") in timeline


async def test_finance_role_cannot_act_on_cases(stack: Stack) -> None:
    order = await stack.order()
    number = (await stack.open_return(order, reason="other")).json()["number"]
    await stack.reach(number, "pending_review")
    refused = await stack.api.post(f"/api/v1/returns/{number}/approve", json={}, headers=await stack.staff("finance"))
    assert refused.status_code == 403
    assert refused.json()["error"] == "role_forbidden"


async def test_keep_it_refunds_without_a_return_shipment(stack: Stack) -> None:
    order = await stack.order(amount=2_500)  # below the CN returnless threshold of 30.00
    created = await stack.open_return(order, resolution="keep_it", reason="not_as_described")
    assert created.json()["decision"] == "approve", created.text
    number = created.json()["number"]
    await stack.reach(number, "completed")
    case = await stack.case(number)
    assert case["shipments"] == []
    assert [(r["amount"]["amount"], r["status"]) for r in case["refunds"]] == [(2_500, "succeeded")]


async def test_customer_cancels_before_pickup_and_the_label_is_voided(stack: Stack) -> None:
    order = await stack.order()
    created = await stack.open_return(order)
    number, token = created.json()["number"], created.json()["customer_token"]
    await stack.reach(number, "awaiting_shipment")
    tracking = (await stack.case(number))["shipments"][0]["tracking_number"]
    customer = {"Authorization": f"Bearer {token}"}
    other = await stack.api.post(f"/api/v1/returns/{number}/cancel", json={}, headers={"Authorization": "Bearer x"})
    assert other.status_code == 404  # a wrong token learns nothing about the case
    cancelled = await stack.api.post(
        f"/api/v1/returns/{number}/cancel", json={"reason": "changed my mind"}, headers=customer
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert (await stack.sandbox.get(f"/carrier/shipments/{tracking}")).json()["status"] == "voided"
    assert cancelled.json()["shipments"][0]["status"] == "voided"


async def test_no_cancel_once_the_carrier_has_the_parcel(stack: Stack) -> None:
    order = await stack.order()
    created = await stack.open_return(order)
    number = created.json()["number"]
    await stack.reach(number, "awaiting_shipment")
    await stack.advance((await stack.case(number))["shipments"][0]["tracking_number"], "picked_up")
    await stack.reach(number, "in_transit")
    refused = await stack.api.post(
        f"/api/v1/returns/{number}/cancel",
        json={},
        headers={"Authorization": f"Bearer {created.json()['customer_token']}"},
    )
    assert refused.status_code == 409
    assert "carrier" in refused.json()["detail"]


async def test_grade_c_gives_the_policys_partial_refund(stack: Stack) -> None:
    order = await stack.order(amount=10_000)
    number = (await stack.open_return(order)).json()["number"]
    await stack.reach(number, "awaiting_shipment")
    await stack.advance((await stack.case(number))["shipments"][0]["tracking_number"], "delivered")
    await stack.reach(number, "received")
    graded = await stack.api.post(
        f"/api/v1/returns/{number}/inspection",
        json={"items": [{"line_id": "L1", "grade": "C", "notes": "worn, stained"}]},
        headers=await stack.staff("agent"),
    )
    assert graded.status_code == 200, graded.text
    await stack.reach(number, "completed")
    case = await stack.case(number)
    assert [r["amount"]["amount"] for r in case["refunds"]] == [7_000]  # default grade C share: 70%
    assert case["items"][0]["inspection"] == {"grade": "C", "notes": "worn, stained", "disposition": "refurbish"}
