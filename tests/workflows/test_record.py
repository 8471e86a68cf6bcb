"""Records the histories test_replay.py replays (only with REBOUND_RECORD_HISTORIES=1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.stack import Stack
from workflows.contracts import case_workflow_id, refund_workflow_id

HISTORIES = Path(__file__).parent / "histories"
pytestmark = pytest.mark.skipif(
    os.environ.get("REBOUND_RECORD_HISTORIES") != "1",
    reason="records replay fixtures only when REBOUND_RECORD_HISTORIES=1",
)


async def _save(stack: Stack, name: str, workflow_id: str) -> None:
    history = await stack.temporal.get_workflow_handle(workflow_id).fetch_history()
    (HISTORIES / f"{name}__{workflow_id}.json").write_text(history.to_json())


async def test_record_lifecycles(stack: Stack) -> None:
    agent = await stack.staff("agent")
    happy = (await stack.open_return(await stack.order())).json()["number"]
    await stack.reach(happy, "awaiting_shipment")
    await stack.advance((await stack.case(happy))["shipments"][0]["tracking_number"], "delivered")
    await stack.reach(happy, "received")
    await stack.api.post(
        f"/api/v1/returns/{happy}/inspection", headers=agent, json={"items": [{"line_id": "L1", "grade": "B"}]}
    )
    await stack.reach(happy, "completed")
    rejected = (await stack.open_return(await stack.order(delivered_days_ago=30))).json()["number"]
    await stack.reach(rejected, "rejected")
    created = (await stack.open_return(await stack.order())).json()
    await stack.reach(created["number"], "awaiting_shipment")
    await stack.api.post(
        f"/api/v1/returns/{created['number']}/cancel",
        json={},
        headers={"Authorization": f"Bearer {created['customer_token']}"},
    )
    keep = (await stack.open_return(await stack.order(amount=1_000), resolution="keep_it")).json()["number"]
    await stack.reach(keep, "completed")
    review = (await stack.open_return(await stack.order(), reason="other")).json()["number"]
    await stack.reach(review, "pending_review")
    await stack.api.post(f"/api/v1/returns/{review}/approve", json={}, headers=agent)
    await stack.api.post(f"/api/v1/returns/{review}/notes", json={"text": "called the customer"}, headers=agent)
    await stack.reach(review, "awaiting_shipment")
    await stack.api.post(f"/api/v1/returns/{review}/cancel", json={"reason": "duplicate"}, headers=agent)
    for old in HISTORIES.glob("*.json"):
        old.unlink()
    for name, number in [
        ("happy_path", happy),
        ("rejected", rejected),
        ("customer_cancel", created["number"]),
        ("keep_it", keep),
        ("review_approved", review),
    ]:
        await _save(stack, name, case_workflow_id(number))
    await _save(stack, "refund", refund_workflow_id(happy, 1))
