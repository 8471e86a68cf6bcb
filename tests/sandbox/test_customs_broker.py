"""The simulated customs broker: idempotent filing, decisions as signed webhooks, holds answered with documents."""

from __future__ import annotations

from tests.sandbox.harness import make_config, running

DECLARATION = {
    "reference": "R-2026-000042",
    "from_country": "HK",
    "to_country": "CN",
    "items": [{"line_id": "L1", "hs_code": "610910", "description": "T-shirt", "quantity": 1}],
    "export_reference": "EX-2026-0042",
}


async def _file(env, key: str = "customs-R-42") -> dict:
    got = await env.client.post("/customs/declarations", json=DECLARATION, headers={"Idempotency-Key": key})
    assert got.status_code in (200, 201), got.text
    return got.json()


async def test_filing_is_idempotent_per_key() -> None:
    async with running(make_config(customs_auto_decide_s=None)) as env:
        first = await _file(env)
        again = await _file(env)
        assert again["id"] == first["id"] and first["status"] == "submitted"
        other = await env.client.post(
            "/customs/declarations",
            json={**DECLARATION, "to_country": "TW"},
            headers={"Idempotency-Key": "customs-R-42"},
        )
        assert other.status_code == 409


async def test_hold_then_documents_then_clearance_are_webhooks_in_order() -> None:
    async with running(make_config(customs_auto_decide_s=None)) as env:
        d = await _file(env)
        held = await env.client.post(
            f"/customs/declarations/{d['id']}/decide", json={"outcome": "held", "note": "invoice needed"}
        )
        assert held.json()["status"] == "held"
        event = await env.inbox.next_json()
        assert (event["reference"], event["outcome"], event["note"]) == ("R-2026-000042", "held", "invoice needed")
        docs = await env.client.post(
            f"/customs/declarations/{d['id']}/documents",
            json={"note": "invoice attached"},
            headers={"Idempotency-Key": "d1"},
        )
        assert docs.json()["status"] == "submitted"
        cleared = await env.client.post(f"/customs/declarations/{d['id']}/decide", json={"outcome": "cleared"})
        assert cleared.status_code == 200
        assert (await env.inbox.next_json())["outcome"] == "cleared"
        late = await env.client.post(f"/customs/declarations/{d['id']}/decide", json={"outcome": "refused"})
        assert late.status_code == 409


async def test_broker_clears_by_itself_after_its_delay() -> None:
    async with running(make_config(customs_auto_decide_s=0.01)) as env:
        d = await _file(env)
        await env.sandbox.quiet()
        assert (await env.inbox.next_json())["outcome"] == "cleared"
        assert (await env.client.get(f"/customs/declarations/{d['id']}")).json()["status"] == "cleared"
