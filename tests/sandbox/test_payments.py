"""The simulated payment provider keeps real providers' money rules: one refund per key, never over the charge."""

from __future__ import annotations

from tests.sandbox.harness import new_charge, running


def _refund(charge_id: str, amount: int, currency: str = "CNY", reference: str = "R-2026-000001"):
    return {"charge_id": charge_id, "amount": amount, "currency": currency, "reference": reference}


async def test_same_key_twice_makes_one_refund() -> None:
    async with running() as env:
        charge = await new_charge(env.client)
        headers = {"Idempotency-Key": "refund-R-1-1"}
        first = await env.client.post("/payments/refunds", json=_refund(charge, 1299), headers=headers)
        again = await env.client.post("/payments/refunds", json=_refund(charge, 1299), headers=headers)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"]
        assert first.json()["status"] == "pending"
        assert first.json()["amount"] == 1299
        listed = (await env.client.get("/payments/refunds", params={"reference": "refund-R-1-1"})).json()
        assert [r["id"] for r in listed] == [first.json()["id"]]


async def test_same_key_other_body_is_refused() -> None:
    async with running() as env:
        charge = await new_charge(env.client)
        headers = {"Idempotency-Key": "refund-R-1-1"}
        await env.client.post("/payments/refunds", json=_refund(charge, 1299), headers=headers)
        other = await env.client.post("/payments/refunds", json=_refund(charge, 1300), headers=headers)
        assert other.status_code == 409
        assert other.json()["error"] == "idempotency_key_reused"
        assert len((await env.client.get("/payments/refunds")).json()) == 1


async def test_refunds_never_exceed_the_charge() -> None:
    async with running() as env:
        charge = await new_charge(env.client, amount=10_000)
        ok = await env.client.post("/payments/refunds", json=_refund(charge, 6_000), headers={"Idempotency-Key": "k1"})
        over = await env.client.post(
            "/payments/refunds", json=_refund(charge, 4_001), headers={"Idempotency-Key": "k2"}
        )
        rest = await env.client.post(
            "/payments/refunds", json=_refund(charge, 4_000), headers={"Idempotency-Key": "k3"}
        )
        assert ok.status_code == 201
        assert over.status_code == 400 and over.json()["error"] == "amount_exceeds_charge"
        assert rest.status_code == 201  # exactly the remainder is fine


async def test_bad_requests_are_refused_with_codes() -> None:
    async with running() as env:
        charge = await new_charge(env.client, currency="CNY")
        key = {"Idempotency-Key": "k"}
        cases = [
            (_refund(charge, 100, currency="EUR"), key, "currency_mismatch"),
            (_refund(charge, 100, currency="XXQ"), key, "invalid_request"),
            ({**_refund(charge, 100), "amount": 1.5}, key, "invalid_request"),
            ({**_refund(charge, 100), "amount": "100"}, key, "invalid_request"),
            (_refund(charge, 0), key, "invalid_request"),
            (_refund(charge, 100), {}, "idempotency_key_required"),
        ]
        for body, headers, code in cases:
            response = await env.client.post("/payments/refunds", json=body, headers=headers)
            assert (response.status_code, response.json()["error"]) == (400, code), body
        missing = await env.client.post("/payments/refunds", json=_refund("ch_nope", 100), headers=key)
        assert (missing.status_code, missing.json()["error"]) == (404, "charge_not_found")
        assert (await env.client.get("/payments/refunds")).json() == []


async def test_refund_succeeds_later_and_webhook_says_so() -> None:
    async with running() as env:
        charge = await new_charge(env.client)
        created = (
            await env.client.post("/payments/refunds", json=_refund(charge, 500), headers={"Idempotency-Key": "k"})
        ).json()
        event = await env.inbox.next_json()
        assert event["type"] == "refund.succeeded"
        assert (event["refund_id"], event["amount"], event["currency"]) == (created["id"], 500, "CNY")
        assert event["reference"] == "R-2026-000001" and "failure_reason" not in event
        now = (await env.client.get(f"/payments/refunds/{created['id']}")).json()
        assert now["status"] == "succeeded"


async def test_declined_refund_fails_and_frees_the_amount() -> None:
    async with running() as env:
        charge = await new_charge(env.client, amount=1_000)
        await env.client.put("/faults", json={"payments": {"decline_rate": 1.0}})
        first = await env.client.post(
            "/payments/refunds", json=_refund(charge, 1_000), headers={"Idempotency-Key": "k1"}
        )
        assert first.status_code == 201 and first.json()["status"] == "pending"
        event = await env.inbox.next_json()
        assert event["type"] == "refund.failed" and event["failure_reason"] == "card_declined"
        await env.client.delete("/faults")
        again = await env.client.post(
            "/payments/refunds", json=_refund(charge, 1_000), headers={"Idempotency-Key": "k2"}
        )
        assert again.status_code == 201  # a failed refund gives the money back to the charge


async def test_unknown_refund_is_404() -> None:
    async with running() as env:
        response = await env.client.get("/payments/refunds/re_missing")
        assert (response.status_code, response.json()["error"]) == (404, "refund_not_found")
