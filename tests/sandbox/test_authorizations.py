"""The simulated payment provider's holds and merchant-initiated charges on the card on file: one per key,
captured into a real charge in the settlement report or voided, declined when the card says no."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.sandbox.harness import new_charge, running

REFERENCE = "exchange-R-2026-000003"


def _hold(source: str, amount: int = 5_000, currency: str = "CNY") -> dict[str, Any]:
    return {"amount": amount, "currency": currency, "reference": REFERENCE, "source_charge_id": source}


async def _authorize(env, source: str, key: str = "hold-1", **kw: Any) -> dict[str, Any]:
    got = await env.client.post("/payments/authorizations", json=_hold(source, **kw), headers={"Idempotency-Key": key})
    assert got.status_code == 201, got.text
    return dict(got.json())


async def _report(env) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((await env.client.get("/payments/settlements")).text)))


async def test_authorization_is_once_per_key_on_a_known_card() -> None:
    async with running() as env:
        source = await new_charge(env.client)
        held = await _authorize(env, source)
        assert held["id"].startswith("au_")
        assert (held["status"], held["amount"], held["currency"]) == ("authorized", 5_000, "CNY")
        assert (held["reference"], held["source_charge_id"], held["charge_id"]) == (REFERENCE, source, None)
        again = await env.client.post(
            "/payments/authorizations", json=_hold(source), headers={"Idempotency-Key": "hold-1"}
        )
        assert again.status_code == 200 and again.json() == held
        other = await env.client.post(
            "/payments/authorizations", json=_hold(source, amount=5_001), headers={"Idempotency-Key": "hold-1"}
        )
        assert (other.status_code, other.json()["error"]) == (409, "idempotency_key_reused")
        cases = [
            (_hold(source), {}, 400, "idempotency_key_required"),
            (_hold("ch_nope"), {"Idempotency-Key": "k"}, 404, "charge_not_found"),
            (_hold(source, currency="EUR"), {"Idempotency-Key": "k"}, 400, "currency_mismatch"),
            ({**_hold(source), "amount": 12.5}, {"Idempotency-Key": "k"}, 400, "invalid_request"),
        ]
        for body, headers, status, code in cases:
            refused = await env.client.post("/payments/authorizations", json=body, headers=headers)
            assert (refused.status_code, refused.json()["error"]) == (status, code), body
        listed = (await env.client.get("/payments/authorizations", params={"reference": REFERENCE})).json()
        assert [a["id"] for a in listed] == [held["id"]]


async def test_capture_makes_one_charge_that_settles_like_any_other() -> None:
    async with running() as env:
        source = await new_charge(env.client)
        held = await _authorize(env, source, amount=12_990)
        captured = await env.client.post(f"/payments/authorizations/{held['id']}/capture")
        assert captured.status_code == 200
        charge_id = captured.json()["charge_id"]
        assert captured.json()["status"] == "captured" and charge_id.startswith("ch_")
        again = await env.client.post(f"/payments/authorizations/{held['id']}/capture")
        assert again.json()["charge_id"] == charge_id
        charge = (await env.client.get(f"/payments/charges/{charge_id}")).json()
        assert (charge["amount"], charge["reference"], charge["source_charge_id"]) == (12_990, REFERENCE, source)
        rows = [r for r in await _report(env) if r["reference"] == REFERENCE]
        assert [(r["id"], r["type"], r["amount"], r["fee"]) for r in rows] == [(charge_id, "charge", "129.90", "3.77")]
        void = await env.client.post(f"/payments/authorizations/{held['id']}/void")
        assert (void.status_code, void.json()["error"]) == (409, "already_captured")


async def test_void_lets_the_hold_go_and_takes_no_money() -> None:
    async with running() as env:
        source = await new_charge(env.client)
        held = await _authorize(env, source)
        for _ in range(2):
            voided = await env.client.post(f"/payments/authorizations/{held['id']}/void")
            assert voided.status_code == 200 and voided.json()["status"] == "voided"
        capture = await env.client.post(f"/payments/authorizations/{held['id']}/capture")
        assert (capture.status_code, capture.json()["error"]) == (409, "authorization_voided")
        assert [r["id"] for r in await _report(env)] == [source]
        missing = await env.client.post("/payments/authorizations/au_nope/capture")
        assert (missing.status_code, missing.json()["error"]) == (404, "authorization_not_found")


async def test_declined_card_is_402_and_holds_nothing() -> None:
    async with running() as env:
        source = await new_charge(env.client)
        await env.client.put("/faults", json={"payments": {"decline_rate": 1.0}})
        declined = await env.client.post(
            "/payments/authorizations", json=_hold(source), headers={"Idempotency-Key": "hold-1"}
        )
        assert (declined.status_code, declined.json()["error"]) == (402, "card_declined")
        assert (await env.client.get("/payments/authorizations", params={"reference": REFERENCE})).json() == []
        await env.client.delete("/faults")
        assert (await _authorize(env, source))["status"] == "authorized"  # the key was not used up


async def test_capture_after_a_lost_answer_charges_once() -> None:
    async with running() as env:
        held = await _authorize(env, await new_charge(env.client))
        await env.client.put("/faults", json={"payments": {"error_rate": 1.0, "error_commit_rate": 1.0}})
        lost = await env.client.post(f"/payments/authorizations/{held['id']}/capture")
        assert lost.status_code == 500
        await env.client.delete("/faults")
        retried = (await env.client.post(f"/payments/authorizations/{held['id']}/capture")).json()
        assert [r["id"] for r in await _report(env) if r["reference"] == REFERENCE] == [retried["charge_id"]]


def _mit(source: str, amount: int = 2_000) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": "CNY",
        "reference": "exchange-R-2026-000003-difference",
        "source_charge_id": source,
    }


async def test_merchant_initiated_charge_is_once_per_key() -> None:
    async with running() as env:
        source = await new_charge(env.client)
        headers = {"Idempotency-Key": "diff-1"}
        made = await env.client.post("/payments/charges", json=_mit(source), headers=headers)
        assert made.status_code == 201
        assert (made.json()["amount"], made.json()["source_charge_id"]) == (2_000, source)
        again = await env.client.post("/payments/charges", json=_mit(source), headers=headers)
        assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
        other = await env.client.post("/payments/charges", json=_mit(source, amount=2_001), headers=headers)
        assert (other.status_code, other.json()["error"]) == (409, "idempotency_key_reused")
        unknown = await env.client.post("/payments/charges", json=_mit("ch_nope"), headers={"Idempotency-Key": "x"})
        assert (unknown.status_code, unknown.json()["error"]) == (404, "charge_not_found")
        mismatch = await env.client.post(
            "/payments/charges", json={**_mit(source), "currency": "EUR"}, headers={"Idempotency-Key": "y"}
        )
        assert (mismatch.status_code, mismatch.json()["error"]) == (400, "currency_mismatch")
        charges = [r for r in await _report(env) if r["type"] == "charge"]
        assert sorted(r["id"] for r in charges) == sorted([source, made.json()["id"]])


async def test_merchant_initiated_charge_can_be_declined_but_order_payments_never_are() -> None:
    async with running() as env:
        source = await new_charge(env.client)
        await env.client.put("/faults", json={"payments": {"decline_rate": 1.0}})
        declined = await env.client.post("/payments/charges", json=_mit(source), headers={"Idempotency-Key": "diff-1"})
        assert (declined.status_code, declined.json()["error"]) == (402, "card_declined")
        order = await env.client.post("/payments/charges", json={"amount": 100, "currency": "CNY"})
        assert order.status_code == 201 and order.json()["source_charge_id"] is None
        await env.client.delete("/faults")
        retried = await env.client.post("/payments/charges", json=_mit(source), headers={"Idempotency-Key": "diff-1"})
        assert retried.status_code == 201
        assert {r["id"] for r in await _report(env)} == {source, order.json()["id"], retried.json()["id"]}
