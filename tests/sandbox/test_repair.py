"""The simulated repair centre: idempotent repair orders, each verdict a signed webhook, out-of-warranty quotes
accepted or declined, units shipped back with the carrier, repairs by itself after its delay."""

from __future__ import annotations

import json
import time
from typing import Any

from integrations.signing import HEADER, verify
from tests.sandbox.harness import SECRETS, address, make_config, running

REFERENCE = "repair-R-2026-000001"
ORDER = {
    "reference": REFERENCE,
    "case_number": "R-2026-000001",
    "sku": "KETTLE-1",
    "fault": "does not heat",
    "return_address": address("王五", "杭州"),
}


def _manual() -> Any:
    return make_config(repair_auto_decide_s=None)  # decided by control calls only


async def _order(env, key: str = "repair-R-1") -> dict[str, Any]:
    got = await env.client.post("/repair/orders", json=ORDER, headers={"Idempotency-Key": key})
    assert got.status_code in (200, 201), got.text
    return dict(got.json())


async def _decide(env, order: dict[str, Any], outcome: str, **extra: Any) -> dict[str, Any]:
    got = await env.client.post(f"/repair/orders/{order['id']}/decide", json={"outcome": outcome, **extra})
    assert got.status_code == 200, got.text
    return dict(got.json())


async def _told(env, partner: str = "repair") -> list[dict[str, Any]]:
    """Every webhook the partner sent once all is delivered, each checked against the partner's secret."""
    await env.sandbox.quiet()
    sent = [r for r in env.inbox.received if r.url.path == f"/api/v1/webhooks/{partner}"]
    for request in sent:
        verify(SECRETS[partner], request.headers[HEADER], request.content, now=int(time.time()))
    return [json.loads(r.content) for r in sent]


async def _parcel(env, tracking: str) -> dict[str, Any]:
    got = await env.client.get(f"/carrier/shipments/{tracking}")
    assert got.status_code == 200
    return dict(got.json())


async def test_order_is_filed_once_per_key() -> None:
    async with running(_manual()) as env:
        first = await _order(env)
        assert first["id"].startswith("rp_") and first["status"] == "received"
        assert (first["reference"], first["case_number"], first["sku"]) == (REFERENCE, "R-2026-000001", "KETTLE-1")
        again = await env.client.post("/repair/orders", json=ORDER, headers={"Idempotency-Key": "repair-R-1"})
        assert again.status_code == 200 and again.json() == first
        other = await env.client.post(
            "/repair/orders", json={**ORDER, "sku": "KETTLE-2"}, headers={"Idempotency-Key": "repair-R-1"}
        )
        assert (other.status_code, other.json()["error"]) == (409, "idempotency_key_reused")
        keyless = await env.client.post("/repair/orders", json=ORDER)
        assert (keyless.status_code, keyless.json()["error"]) == (400, "idempotency_key_required")
        listed = (await env.client.get("/repair/orders", params={"reference": REFERENCE})).json()
        assert [o["id"] for o in listed] == [first["id"]]
        assert (await env.client.get(f"/repair/orders/{first['id']}")).json() == first
        missing = await env.client.get("/repair/orders/rp_nope")
        assert (missing.status_code, missing.json()["error"]) == (404, "repair_not_found")


async def test_repaired_unit_goes_back_in_a_tracked_parcel() -> None:
    async with running(_manual()) as env:
        order = await _order(env)
        done = await _decide(env, order, "repaired", note="new thermostat")
        tracking = done["tracking_number"]
        assert done["status"] == "repaired" and tracking
        [event] = await _told(env)
        assert set(event) == {"event_id", "repair_id", "reference", "outcome", "tracking_number", "note", "occurred_at"}
        assert (event["repair_id"], event["reference"], event["outcome"]) == (order["id"], REFERENCE, "repaired")
        assert (event["tracking_number"], event["note"]) == (tracking, "new thermostat")
        parcel = await _parcel(env, tracking)
        assert (parcel["reference"], parcel["status"]) == (REFERENCE, "label_created")
        [created] = await _told(env, "carrier")
        assert (created["tracking_number"], created["reference"]) == (tracking, REFERENCE)
        again = await env.client.post(f"/repair/orders/{order['id']}/decide", json={"outcome": "not_repairable"})
        assert (again.status_code, again.json()["error"]) == (409, "already_decided")


async def test_not_repairable_unit_stays_at_the_centre() -> None:
    async with running(_manual()) as env:
        order = await _order(env)
        done = await _decide(env, order, "not_repairable", note="board burnt")
        assert (done["status"], done["tracking_number"]) == ("not_repairable", None)
        [event] = await _told(env)
        assert set(event) == {"event_id", "repair_id", "reference", "outcome", "note", "occurred_at"}
        assert (event["outcome"], event["note"]) == ("not_repairable", "board burnt")
        assert await _told(env, "carrier") == []


async def test_accepted_quote_is_repaired_and_shipped_back() -> None:
    async with running(_manual()) as env:
        order = await _order(env)
        quoted = await _decide(env, order, "out_of_warranty", quote={"amount": 45_000, "currency": "CNY"})
        assert (quoted["status"], quoted["quote"]) == ("quote_pending", {"amount": 45_000, "currency": "CNY"})
        for _ in range(2):  # the same answer again answers the same
            accepted = await env.client.post(
                f"/repair/orders/{order['id']}/quote", json={"accepted": True}, headers={"Idempotency-Key": "q1"}
            )
            assert accepted.status_code == 200 and accepted.json()["status"] == "repairing"
        reversed_ = await env.client.post(f"/repair/orders/{order['id']}/quote", json={"accepted": False})
        assert (reversed_.status_code, reversed_.json()["error"]) == (409, "no_quote_pending")
        reused = await env.client.post(
            f"/repair/orders/{order['id']}/quote", json={"accepted": False}, headers={"Idempotency-Key": "q1"}
        )
        assert (reused.status_code, reused.json()["error"]) == (409, "idempotency_key_reused")
        requote = await env.client.post(
            f"/repair/orders/{order['id']}/decide",
            json={"outcome": "out_of_warranty", "quote": {"amount": 1, "currency": "CNY"}},
        )
        assert (requote.status_code, requote.json()["error"]) == (409, "already_quoted")
        done = await _decide(env, order, "repaired")
        events = await _told(env)
        assert [e["outcome"] for e in events] == ["out_of_warranty", "repaired"]
        assert (events[0]["quote_amount"], events[0]["currency"]) == (45_000, "CNY")
        assert events[1]["tracking_number"] == done["tracking_number"]


async def test_declined_quote_sends_the_unit_back_unrepaired_at_once() -> None:
    async with running(_manual()) as env:
        order = await _order(env)
        await _decide(env, order, "out_of_warranty", quote={"amount": 45_000, "currency": "CNY"}, note="cracked case")
        declined = await env.client.post(f"/repair/orders/{order['id']}/quote", json={"accepted": False})
        assert declined.status_code == 200
        tracking = declined.json()["tracking_number"]
        assert (declined.json()["status"], declined.json()["quote_accepted"]) == ("returned_unrepaired", False)
        events = await _told(env)
        assert [(e["outcome"], e.get("tracking_number")) for e in events] == [
            ("out_of_warranty", None),
            ("returned_unrepaired", tracking),
        ]
        parcel = await _parcel(env, tracking)
        assert parcel["reference"] == REFERENCE
        await env.client.post(f"/carrier/shipments/{tracking}/advance", json={"to": "delivered"})
        delivered = [e for e in await _told(env, "carrier") if e["status"] == "delivered"]
        assert [e["location"] for e in delivered] == ["杭州"]  # back at the customer's return address


async def test_quote_answers_and_decisions_are_checked() -> None:
    async with running(_manual()) as env:
        order = await _order(env)
        early = await env.client.post(f"/repair/orders/{order['id']}/quote", json={"accepted": True})
        assert (early.status_code, early.json()["error"]) == (409, "no_quote_pending")
        for body in (
            {"outcome": "out_of_warranty"},
            {"outcome": "repaired", "quote": {"amount": 100, "currency": "CNY"}},
        ):
            refused = await env.client.post(f"/repair/orders/{order['id']}/decide", json=body)
            assert (refused.status_code, refused.json()["error"]) == (400, "invalid_quote"), body
        for quote in (
            {"amount": 0, "currency": "CNY"},
            {"amount": 1.5, "currency": "CNY"},
            {"amount": 1, "currency": "X"},
        ):
            refused = await env.client.post(
                f"/repair/orders/{order['id']}/decide", json={"outcome": "out_of_warranty", "quote": quote}
            )
            assert (refused.status_code, refused.json()["error"]) == (400, "invalid_request"), quote
        assert await _told(env) == []


async def test_centre_repairs_by_itself_after_its_delay() -> None:
    async with running(make_config(repair_auto_decide_s=0.01)) as env:
        order = await _order(env)
        [event] = await _told(env)
        assert (event["repair_id"], event["outcome"], event["note"]) == (order["id"], "repaired", None)
        assert (await env.client.get(f"/repair/orders/{order['id']}")).json()["status"] == "repaired"


async def test_accepted_quote_is_repaired_by_itself_after_the_delay() -> None:
    async with running(make_config(repair_auto_decide_s=None)) as env:
        order = await _order(env)
        await _decide(env, order, "out_of_warranty", quote={"amount": 9_900, "currency": "CNY"})
        env.config.repair_auto_decide_s = 0.01  # from now on the bench is quick
        await env.client.post(f"/repair/orders/{order['id']}/quote", json={"accepted": True})
        assert [e["outcome"] for e in await _told(env)] == ["out_of_warranty", "repaired"]


async def test_orders_left_on_the_bench_are_repaired_after_a_restart(tmp_path) -> None:
    state = tmp_path / "sandbox.db"
    async with running(make_config(state_path=state, repair_auto_decide_s=None)) as env:
        order = await _order(env)
    async with running(make_config(state_path=state, repair_auto_decide_s=0.01)) as env:
        [event] = await _told(env)
        assert (event["repair_id"], event["outcome"]) == (order["id"], "repaired")


async def test_duplicate_webhooks_and_lost_answers() -> None:
    async with running(_manual()) as env:
        await env.client.put("/faults", json={"repair": {"error_rate": 1.0, "error_commit_rate": 1.0}})
        lost = await env.client.post("/repair/orders", json=ORDER, headers={"Idempotency-Key": "repair-R-1"})
        assert lost.status_code == 500
        await env.client.put("/faults", json={"repair": {"duplicate_webhooks": True}})
        order = await _order(env)  # the retry finds the order made during the failed call
        assert len((await env.client.get("/repair/orders")).json()) == 1
        await _decide(env, order, "not_repairable")
        events = await _told(env)
        assert len(events) == 2 and events[0] == events[1]
