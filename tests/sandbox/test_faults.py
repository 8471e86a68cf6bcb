"""Faults behave like real provider failures, and an idempotency key turns them into exactly one refund."""

from __future__ import annotations

from tests.sandbox.harness import new_charge, running

BODY = {"amount": 700, "currency": "CNY", "reference": "R-9"}


async def test_faults_can_be_set_read_and_cleared() -> None:
    async with running() as env:
        put = await env.client.put(
            "/faults", json={"payments": {"error_rate": 0.3, "timeout_rate": 0.1, "duplicate_webhooks": True}}
        )
        assert put.status_code == 200
        got = (await env.client.get("/faults")).json()
        assert got["payments"]["error_rate"] == 0.3 and got["payments"]["duplicate_webhooks"] is True
        assert got["carrier"]["error_rate"] == 0
        await env.client.delete("/faults")
        assert (await env.client.get("/faults")).json()["payments"]["error_rate"] == 0
        bad = await env.client.put("/faults", json={"payments": {"error_rate": 2}})
        unknown = await env.client.put("/faults", json={"payments": {"eror_rate": 0.5}})
        assert (bad.status_code, unknown.status_code) == (400, 400)


async def test_500_after_commit_then_retry_with_same_key_is_one_refund() -> None:
    async with running() as env:
        charge = await new_charge(env.client)
        await env.client.put("/faults", json={"payments": {"error_rate": 1.0, "error_commit_rate": 1.0}})
        headers = {"Idempotency-Key": "refund-R-9-1"}
        failed = await env.client.post("/payments/refunds", json={**BODY, "charge_id": charge}, headers=headers)
        assert failed.status_code == 500
        # The provider did make it, though the caller was told otherwise.
        made = (await env.client.get("/payments/refunds", params={"reference": "R-9"})).json()
        assert len(made) == 1
        await env.client.delete("/faults")
        retry = await env.client.post("/payments/refunds", json={**BODY, "charge_id": charge}, headers=headers)
        assert retry.status_code == 200 and retry.json()["id"] == made[0]["id"]
        assert len((await env.client.get("/payments/refunds", params={"reference": "R-9"})).json()) == 1


async def test_500_before_commit_changes_nothing() -> None:
    async with running() as env:
        charge = await new_charge(env.client)
        await env.client.put("/faults", json={"payments": {"error_rate": 1.0, "error_commit_rate": 0.0}})
        failed = await env.client.post(
            "/payments/refunds", json={**BODY, "charge_id": charge}, headers={"Idempotency-Key": "k"}
        )
        assert failed.status_code == 500 and failed.json()["error"] == "internal_error"
        assert (await env.client.get("/payments/refunds")).json() == []


async def test_default_errors_split_between_committed_and_not() -> None:
    async with running() as env:
        charge = await new_charge(env.client, amount=1_000_000)
        await env.client.put("/faults", json={"payments": {"error_rate": 1.0}})
        for n in range(40):
            response = await env.client.post(
                "/payments/refunds",
                headers={"Idempotency-Key": f"k{n}"},
                json={"charge_id": charge, "amount": 1, "currency": "CNY", "reference": f"R-{n}"},
            )
            assert response.status_code == 500
        made = len((await env.client.get("/payments/refunds")).json())
        assert 5 < made < 35  # about half, with seed 7


async def test_same_seed_replays_the_same_faults() -> None:
    outcomes = []
    for _ in range(2):
        async with running() as env:
            charge = await new_charge(env.client, amount=1_000_000)
            await env.client.put("/faults", json={"payments": {"error_rate": 0.5}})
            codes = []
            for n in range(20):
                response = await env.client.post(
                    "/payments/refunds",
                    headers={"Idempotency-Key": f"k{n}"},
                    json={"charge_id": charge, "amount": 1, "currency": "CNY", "reference": "R"},
                )
                codes.append(response.status_code)
            outcomes.append(codes)
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {201, 500}
