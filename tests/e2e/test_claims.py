"""Insurance claims end to end: transit claims on a lost parcel (approved, partial, denied, more evidence),
shipping-fee claims when the return ships, the customer refunded without waiting for the insurer, payouts and
shortfalls in the ledger; and a refund that fails for good holds the case for finance."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus

from db.repositories.queues import Filters
from sandbox.signing import HEADER, signature_header
from services.queues import queue_page
from tests.support.ledger import assert_books_balance, ledger_of
from tests.support.stack import Stack
from workflows.contracts import CaseView, ClaimWait, case_workflow_id, claim_workflow_id

TRANSIT_ONLY = {"shipping_fee": False, "transit": True}


async def claim_reaches(stack: Stack, number: str, kind: str, *states: str) -> CaseView:
    """Wait (a workflow update, no polling) until the case's claim of `kind` is in one of `states`."""
    handle = stack.temporal.get_workflow_handle(case_workflow_id(number))
    async with asyncio.timeout(60):
        view: CaseView = await handle.execute_update(
            "wait_for_claim", ClaimWait(kind=kind, states=list(states)), result_type=CaseView
        )
    return view


async def insurer_claim(stack: Stack, number: str, kind: str) -> dict[str, Any]:
    [claim] = (await stack.sandbox.get("/insurer/claims", params={"reference": claim_workflow_id(number, kind)})).json()
    return dict(claim)


async def insurer_decides(stack: Stack, number: str, kind: str, outcome: str, amount: int | None = None) -> None:
    claim = await insurer_claim(stack, number, kind)
    body = {"outcome": outcome, "amount": amount, "note": f"insurer says {outcome}"}
    got = await stack.sandbox.post(f"/insurer/claims/{claim['id']}/decide", json=body)
    assert got.status_code == 200, got.text
    await stack.sandbox_app.state.sandbox.quiet()


async def case_closes(stack: Stack, number: str) -> None:
    """The case workflow ends (it stays open while a claim waits for the insurer)."""
    async with asyncio.timeout(60):
        await stack.temporal.get_workflow_handle(case_workflow_id(number)).result()


async def workflow_running(stack: Stack, number: str) -> bool:
    described = await stack.temporal.get_workflow_handle(case_workflow_id(number)).describe()
    return described.status == WorkflowExecutionStatus.RUNNING


async def lost_in_return(stack: Stack, *, amount: int = 10_000) -> str:
    """A return of an order with transit insurance, lost by the carrier: the customer is refunded at once."""
    order = await stack.order(amount=amount, insurance=TRANSIT_ONLY)
    number = str((await stack.open_return(order)).json()["number"])
    await stack.reach(number, "awaiting_shipment")
    tracking = (await stack.case(number))["shipments"][0]["tracking_number"]
    await stack.advance(tracking, "lost")
    await claim_reaches(stack, number, "transit", "submitted")
    await stack.reach(number, "completed")  # refunded while the insurer has not answered
    return number


@pytest.mark.parametrize(
    ("outcome", "amount", "paid", "shortfall"),
    [("approved", None, 10_000, 0), ("partial", 6_000, 6_000, 4_000), ("denied", None, 0, 10_000)],
)
async def test_lost_parcel_claim_refunds_first_then_books_the_insurers_answer(
    stack: Stack, outcome: str, amount: int | None, paid: int, shortfall: int
) -> None:
    number = await lost_in_return(stack)
    case = await stack.case(number)
    [refund] = case["refunds"]
    assert (refund["status"], refund["amount"]["amount"]) == ("succeeded", 10_000)
    assert [r["status"] for r in await stack.provider_refunds(refund["id"])] == ["succeeded"]
    [claim] = case["claims"]
    assert (claim["kind"], claim["status"], claim["trigger"]) == ("transit", "submitted", "lost")
    assert claim["claimed"] == {"amount": 10_000, "currency": "CNY"}
    assert claim["evidence"]["declared_value"] == 10_000
    assert [e["status"] for e in claim["evidence"]["tracking"][0]["events"]][-1] == "lost"
    sent = await insurer_claim(stack, number, "transit")
    assert sent["claimed"] == {"amount": 10_000, "currency": "CNY"} and sent["evidence"]["lines"][0]["line_id"] == "L1"
    assert await workflow_running(stack, number)  # completed for the customer, still waiting for the insurer

    await insurer_decides(stack, number, "transit", outcome, amount)
    await case_closes(stack, number)
    case = await stack.case(number)
    [claim] = case["claims"]
    assert claim["status"] == outcome
    assert (claim["paid"]["amount"], claim["shortfall"]["amount"]) == (paid, shortfall)
    assert case["status"] == "completed"
    types = [e["type"] for e in case["timeline"]]
    assert types.index("claim.filed") < types.index("completed") < types.index("claim.decided")
    ledger = await ledger_of(stack, number)
    assert ledger["insurance_claimed"] == [
        ("receivable:insurance_claims", 10_000),
        ("returns:insurance_recovered", -10_000),
    ]
    assert ledger.get("insurance_payout", []) == (
        [("cash:insurer", paid), ("receivable:insurance_claims", -paid)] if paid else []
    )
    assert ledger.get("insurance_shortfall", []) == (
        [("returns:insurance_shortfall", shortfall), ("receivable:insurance_claims", -shortfall)] if shortfall else []
    )
    await assert_books_balance(stack, booked=[number])


async def test_insurer_asks_for_more_evidence_an_agent_supplies_it_then_it_decides(stack: Stack) -> None:
    number = await lost_in_return(stack)
    agent = await stack.staff("agent")
    early = await stack.api.post(
        f"/api/v1/returns/{number}/claims/transit/evidence", json={"note": "photos"}, headers=agent
    )
    assert early.status_code == 409 and "not waiting for evidence" in early.json()["detail"]

    await insurer_decides(stack, number, "transit", "more_evidence")
    await claim_reaches(stack, number, "transit", "more_evidence")
    case = await stack.case(number)
    assert case["escalated"] is True and case["claims"][0]["status"] == "more_evidence"
    listed = await stack.api.get("/api/v1/returns", params={"sla": "breached"}, headers=agent)
    assert number in [c["number"] for c in listed.json()["items"]]  # flagged for agents although refunded
    escalation = [e["data"] for e in case["timeline"] if e["type"] == "escalated"][-1]
    assert escalation == {
        "escalation": "claim_evidence_needed",
        "kind": "transit",
        "note": "insurer says more_evidence",
    }

    blank = await stack.api.post(f"/api/v1/returns/{number}/claims/transit/evidence", json={"note": " "}, headers=agent)
    assert blank.status_code == 422
    supplied = await stack.api.post(
        f"/api/v1/returns/{number}/claims/transit/evidence",
        json={"note": "carrier's loss report no. 88 attached to the claim"},
        headers=agent,
    )
    assert supplied.status_code == 200, supplied.text
    await claim_reaches(stack, number, "transit", "answered")
    await stack.sandbox_app.state.sandbox.quiet()
    sent = await insurer_claim(stack, number, "transit")
    assert sent["status"] == "submitted"  # examined again

    await insurer_decides(stack, number, "transit", "approved")
    await case_closes(stack, number)
    case = await stack.case(number)
    assert case["claims"][0]["status"] == "approved" and case["escalated"] is False
    assert "carrier's loss report no. 88 attached to the claim" in case["claims"][0]["evidence"]["supplied"]
    provided = [e for e in case["timeline"] if e["type"] == "claim.evidence_provided"]
    assert provided[0]["actor"] == "agent-e2e"
    await assert_books_balance(stack, booked=[number])


async def test_insurer_webhooks_are_verified_and_each_decision_counts_once(stack: Stack) -> None:
    faults = {"insurer": {"duplicate_webhooks": True}}
    assert (await stack.sandbox.put("/faults", json=faults)).status_code == 200
    number = await lost_in_return(stack)
    claim = await insurer_claim(stack, number, "transit")
    event = {"event_id": "ins_forged", "claim_id": claim["id"], "reference": claim["reference"], "outcome": "approved"}
    body = json.dumps(event).encode()
    forged = await stack.api.post("/api/v1/webhooks/insurer", content=body, headers={HEADER: "t=1,v1=00"})
    assert forged.status_code == 401
    stranger = json.dumps({**event, "reference": claim_workflow_id("R-OTHER", "transit")}).encode()
    signed = signature_header(stack.settings.partner_secret("insurer"), stranger, int(time.time()))
    refused = await stack.api.post("/api/v1/webhooks/insurer", content=stranger, headers={HEADER: signed})
    assert refused.status_code == 404 and refused.json()["error"] == "unknown_claim"

    await insurer_decides(stack, number, "transit", "partial", 2_500)  # delivered twice
    await case_closes(stack, number)
    deliveries = (await stack.sandbox.get("/webhooks/deliveries", params={"partner": "insurer"})).json()
    assert len(deliveries) == 2 and {d["status"] for d in deliveries} == {"delivered"}
    case = await stack.case(number)
    assert [e["type"] for e in case["timeline"]].count("claim.decided") == 1
    assert (await ledger_of(stack, number))["insurance_payout"] == [
        ("cash:insurer", 2_500),
        ("receivable:insurance_claims", -2_500),
    ]
    await assert_books_balance(stack, booked=[number])


async def test_shipping_fee_claim_is_filed_when_the_return_ships(stack: Stack) -> None:
    order = await stack.order(insurance={"shipping_fee": True, "transit": False})
    plain = await stack.order()
    number = str((await stack.open_return(order)).json()["number"])
    uninsured = str((await stack.open_return(plain)).json()["number"])
    for n in (number, uninsured):
        await stack.reach(n, "awaiting_shipment")
        await stack.advance((await stack.case(n))["shipments"][0]["tracking_number"], "picked_up")
    await claim_reaches(stack, number, "shipping_fee", "submitted")
    view = await claim_reaches(stack, uninsured, "shipping_fee", "not_filed")
    assert view.claims == {"shipping_fee": "not_filed"}
    assert (await stack.case(uninsured))["claims"] == []

    [claim] = (await stack.case(number))["claims"]
    # CN policy: the customer paid no postage and no label fee is set, so the policy's flat cover is claimed.
    assert (claim["kind"], claim["trigger"], claim["claimed"]) == (
        "shipping_fee",
        "picked_up",
        {"amount": 1_200, "currency": "CNY"},
    )
    await insurer_decides(stack, number, "shipping_fee", "approved")
    await claim_reaches(stack, number, "shipping_fee", "decided")
    for n in (number, uninsured):
        tracking = (await stack.case(n))["shipments"][0]["tracking_number"]
        await stack.advance(tracking, "delivered")
        await stack.reach(n, "received")
        await stack.inspect(n, "A")
        await case_closes(stack, n)
    case = await stack.case(number)
    assert case["status"] == "completed" and case["claims"][0]["paid"]["amount"] == 1_200
    assert [e["type"] for e in case["timeline"]].count("claim.decided") == 1
    assert (await ledger_of(stack, number))["insurance_payout"] == [
        ("cash:insurer", 1_200),
        ("receivable:insurance_claims", -1_200),
    ]
    await assert_books_balance(stack, booked=[number, uninsured])  # the claim's money, and the plain refund


async def test_transit_damage_found_at_inspection_opens_a_transit_claim(stack: Stack) -> None:
    order = await stack.order(amount=8_000, insurance=TRANSIT_ONLY)
    number = str((await stack.open_return(order, reason="damaged_in_transit")).json()["number"])
    await stack.reach(number, "awaiting_shipment")
    await stack.advance((await stack.case(number))["shipments"][0]["tracking_number"], "delivered")
    await stack.reach(number, "received")
    await stack.inspect(number, "C")
    await claim_reaches(stack, number, "transit", "submitted")
    await stack.reach(number, "completed")
    case = await stack.case(number)
    assert case["refunds"][0]["amount"]["amount"] == 8_000  # the customer is not penalised for the carrier's damage
    assert (case["claims"][0]["trigger"], case["claims"][0]["claimed"]["amount"]) == ("inspection", 8_000)
    await insurer_decides(stack, number, "transit", "denied")
    await case_closes(stack, number)
    assert (await ledger_of(stack, number))["insurance_shortfall"][0] == ("returns:insurance_shortfall", 8_000)
    await assert_books_balance(stack, booked=[number])


async def test_a_refund_that_fails_for_good_holds_the_case_for_finance(stack: Stack) -> None:
    assert (await stack.sandbox.put("/faults", json={"payments": {"decline_rate": 1.0}})).status_code == 200
    order = await stack.order(amount=5_000)
    number = str((await stack.open_return(order)).json()["number"])
    await stack.reach(number, "awaiting_shipment")
    await stack.advance((await stack.case(number))["shipments"][0]["tracking_number"], "delivered")
    await stack.reach(number, "received")
    await stack.inspect(number, "A")
    handle = stack.temporal.get_workflow_handle(case_workflow_id(number))
    async with asyncio.timeout(60):
        view = await handle.execute_update("wait_for_escalation", "refund_failed", result_type=CaseView)
    assert view.status == "resolving"

    case = await stack.case(number)
    assert (case["status"], case["escalated"], case["hold"]) == ("resolving", True, "refund_failed")
    assert case["refunds"][0]["status"] == "failed"
    finance = await stack.staff("finance")
    held = (await stack.api.get("/api/v1/finance/held-refunds", headers=finance)).json()["cases"]
    [mine] = [c for c in held if c["number"] == number]
    assert mine["failed"][0]["amount"] == {"amount": 5_000, "currency": "CNY"} and mine["failed"][0]["reason"]
    agent = await stack.staff("agent")
    assert (await stack.api.get("/api/v1/finance/held-refunds", headers=agent)).status_code == 403
    breached = await stack.api.get("/api/v1/returns", params={"sla": "breached"}, headers=agent)
    assert number in [c["number"] for c in breached.json()["items"]]
    async with stack.sessionmaker() as s:  # the workspace's "breached" queue
        queue = await queue_page(s, Filters(sla="breached"), now=datetime.now(UTC), sort="newest", cursor=None, me=None)
    assert [r["sla"] for r in queue.rows if r["number"] == number] == ["breached"]
    assert await workflow_running(stack, number)  # held, not dropped
    # Nothing was paid, so no refund is booked: only the label bought and the goods back in stock.
    assert set(await ledger_of(stack, number)) == {"return_postage", "disposition"}
    await assert_books_balance(stack)
