"""The simulated insurer: idempotent filing, decisions as signed webhooks, more evidence answered, approval by
itself after its delay."""

from __future__ import annotations

from typing import Any

from tests.sandbox.harness import make_config, running

CLAIM = {
    "reference": "claim-R-2026-000042-transit",
    "kind": "transit",
    "claimed": {"amount": 10_000, "currency": "CNY"},
    "evidence": {"declared_value": 10_000},
}


async def _file(env: Any, key: str = "claim-R-42") -> dict[str, Any]:
    got = await env.client.post("/insurer/claims", json=CLAIM, headers={"Idempotency-Key": key})
    assert got.status_code in (200, 201), got.text
    return dict(got.json())


async def test_filing_is_idempotent_per_key() -> None:
    async with running(make_config(insurer_auto_decide_s=None)) as env:
        first = await _file(env)
        again = await _file(env)
        assert again["id"] == first["id"] and first["status"] == "submitted"
        other = await env.client.post(
            "/insurer/claims",
            json={**CLAIM, "claimed": {"amount": 9_000, "currency": "CNY"}},
            headers={"Idempotency-Key": "claim-R-42"},
        )
        assert other.status_code == 409
        bad = await env.client.post("/insurer/claims", json={**CLAIM, "kind": "theft"})
        assert bad.status_code == 400 and "kind" in bad.json()["fields"]


async def test_more_evidence_then_partial_payout_are_webhooks_in_order() -> None:
    async with running(make_config(insurer_auto_decide_s=None)) as env:
        c = await _file(env)
        early = await env.client.post(f"/insurer/claims/{c['id']}/evidence", json={"note": "photos"})
        assert early.status_code == 409
        asked = await env.client.post(
            f"/insurer/claims/{c['id']}/decide", json={"outcome": "more_evidence", "note": "loss report"}
        )
        assert asked.json()["status"] == "more_evidence"
        event = await env.inbox.next_json()
        assert (event["reference"], event["outcome"], event["note"]) == (
            CLAIM["reference"],
            "more_evidence",
            "loss report",
        )
        sent = await env.client.post(
            f"/insurer/claims/{c['id']}/evidence", json={"note": "report 88"}, headers={"Idempotency-Key": "e1"}
        )
        assert sent.json()["status"] == "submitted"
        too_much = await env.client.post(
            f"/insurer/claims/{c['id']}/decide", json={"outcome": "partial", "amount": 10_000}
        )
        assert too_much.status_code == 400
        paid = await env.client.post(f"/insurer/claims/{c['id']}/decide", json={"outcome": "partial", "amount": 6_000})
        assert paid.json()["paid"] == {"amount": 6_000, "currency": "CNY"}
        event = await env.inbox.next_json()
        assert (event["outcome"], event["amount"], event["currency"]) == ("partial", 6_000, "CNY")
        late = await env.client.post(f"/insurer/claims/{c['id']}/decide", json={"outcome": "denied"})
        assert late.status_code == 409


async def test_insurer_approves_by_itself_after_its_delay() -> None:
    async with running(make_config(insurer_auto_decide_s=0.01)) as env:
        c = await _file(env)
        await env.sandbox.quiet()
        event = await env.inbox.next_json()
        assert (event["outcome"], event["amount"]) == ("approved", 10_000)
        assert (await env.client.get(f"/insurer/claims/{c['id']}")).json()["status"] == "approved"
