"""A restarted sandbox keeps its books: refunds, keys, shipments, and refunds still to settle."""

from __future__ import annotations

from tests.sandbox.harness import address, make_config, new_charge, running


async def test_state_survives_a_restart(tmp_path) -> None:
    state = tmp_path / "sandbox.db"
    body = {"amount": 800, "currency": "CNY", "reference": "R-5"}
    # A long delay keeps the refund pending when the first sandbox stops.
    async with running(make_config(state_path=state, webhook_delay_ms=60_000)) as env:
        charge = await new_charge(env.client, amount=1_000)
        first = (
            await env.client.post(
                "/payments/refunds", json={**body, "charge_id": charge}, headers={"Idempotency-Key": "k"}
            )
        ).json()
        label = (
            await env.client.post(
                "/carrier/labels",
                json={"reference": "R-5", "from_address": address(), "to_address": address("仓库"), "weight_g": 10},
            )
        ).json()
        tracking = label["tracking_number"]
        await env.client.post(f"/carrier/shipments/{tracking}/advance", json={"to": "in_transit"})

    async with running(make_config(state_path=state)) as env:
        event = await env.inbox.next_json()  # the refund left pending settles after the restart
        assert (event["type"], event["refund_id"]) == ("refund.succeeded", first["id"])
        replay = await env.client.post(
            "/payments/refunds", json={**body, "charge_id": charge}, headers={"Idempotency-Key": "k"}
        )
        assert replay.status_code == 200 and replay.json()["id"] == first["id"]
        over = await env.client.post(
            "/payments/refunds", json={**body, "charge_id": charge}, headers={"Idempotency-Key": "k2"}
        )
        assert over.json()["error"] == "amount_exceeds_charge"
        shipment = (await env.client.get(f"/carrier/shipments/{tracking}")).json()
        assert shipment["status"] == "in_transit"
        assert [e["status"] for e in shipment["events"]] == ["label_created", "picked_up", "in_transit"]
        delivered = (await env.client.post(f"/carrier/shipments/{tracking}/advance", json={"to": "delivered"})).json()
        assert delivered["status"] == "delivered"


async def test_without_state_path_nothing_is_kept() -> None:
    async with running() as env:
        await new_charge(env.client)
        await env.sandbox.quiet()
    async with running() as env:
        rows = (await env.client.get("/payments/settlements")).text.splitlines()
        assert len(rows) == 1
