"""The simulated warehouse: stock per SKU, all-or-nothing idempotent reservations, release, and shipping as a
tracked outbound parcel whose events reach Rebound as carrier webhooks."""

from __future__ import annotations

import time
from typing import Any

from integrations.signing import HEADER, verify
from tests.sandbox.harness import SECRETS, address, make_config, running

REFERENCE = "exchange-R-2026-000001"


def _items(*pairs: tuple[str, Any]) -> dict[str, Any]:
    return {"reference": REFERENCE, "items": [{"sku": sku, "quantity": q} for sku, q in pairs]}


async def _stock(env, sku: str, on_hand: int | None = None, shippable: bool = True) -> dict[str, Any]:
    if on_hand is not None:
        put = await env.client.put(f"/warehouse/stock/{sku}", json={"on_hand": on_hand, "shippable": shippable})
        assert put.status_code == 200, put.text
    got = await env.client.get(f"/warehouse/stock/{sku}")
    assert got.status_code == 200
    return dict(got.json())


async def _reserve(env, *pairs: tuple[str, int], key: str = "rsv-1") -> dict[str, Any]:
    got = await env.client.post("/warehouse/reservations", json=_items(*pairs), headers={"Idempotency-Key": key})
    assert got.status_code == 201, got.text
    return dict(got.json())


async def test_unknown_sku_has_the_default_stock_and_stock_can_be_set() -> None:
    async with running(make_config(default_stock=7)) as env:
        assert await _stock(env, "TEE-M") == {
            "sku": "TEE-M",
            "on_hand": 7,
            "reserved": 0,
            "available": 7,
            "shippable": True,
        }
        assert (await _stock(env, "TEE-M", on_hand=2, shippable=False))["available"] == 2
        assert (await _stock(env, "TEE-M"))["shippable"] is False
        bad = await env.client.put("/warehouse/stock/TEE-M", json={"on_hand": -1})
        assert (bad.status_code, bad.json()["error"]) == (400, "invalid_request")


async def test_reservation_holds_stock_once_per_key() -> None:
    async with running() as env:
        await _stock(env, "TEE-M", on_hand=5)
        first = await _reserve(env, ("TEE-M", 2), ("MUG", 1))
        assert first["id"].startswith("rsv_") and first["status"] == "reserved"
        assert first["reference"] == REFERENCE and first["tracking_number"] is None
        assert first["items"] == [{"sku": "TEE-M", "quantity": 2}, {"sku": "MUG", "quantity": 1}]
        again = await env.client.post(
            "/warehouse/reservations", json=_items(("TEE-M", 2), ("MUG", 1)), headers={"Idempotency-Key": "rsv-1"}
        )
        assert again.status_code == 200 and again.json() == first
        stock = await _stock(env, "TEE-M")
        assert (stock["on_hand"], stock["reserved"], stock["available"]) == (5, 2, 3)
        other = await env.client.post(
            "/warehouse/reservations", json=_items(("TEE-M", 3)), headers={"Idempotency-Key": "rsv-1"}
        )
        assert (other.status_code, other.json()["error"]) == (409, "idempotency_key_reused")
        keyless = await env.client.post("/warehouse/reservations", json=_items(("TEE-M", 1)))
        assert (keyless.status_code, keyless.json()["error"]) == (400, "idempotency_key_required")
        for bad in (_items(("TEE-M", 0)), _items(("TEE-M", 1.5)), {"reference": REFERENCE, "items": []}):
            refused = await env.client.post("/warehouse/reservations", json=bad, headers={"Idempotency-Key": "x"})
            assert (refused.status_code, refused.json()["error"]) == (400, "invalid_request"), bad
        got = await env.client.get(f"/warehouse/reservations/{first['id']}")
        assert got.json() == first
        missing = await env.client.get("/warehouse/reservations/rsv_nope")
        assert (missing.status_code, missing.json()["error"]) == (404, "reservation_not_found")


async def test_out_of_stock_reserves_nothing_and_says_what_is_short() -> None:
    async with running() as env:
        await _stock(env, "TEE-M", on_hand=5)
        await _stock(env, "MUG", on_hand=1)
        short = await env.client.post(
            "/warehouse/reservations", json=_items(("TEE-M", 2), ("MUG", 2)), headers={"Idempotency-Key": "k1"}
        )
        assert short.status_code == 409
        assert (short.json()["error"], short.json()["fields"]) == ("out_of_stock", {"MUG": "1 available"})
        assert (await _stock(env, "TEE-M"))["reserved"] == 0
        # The same SKU on two lines counts both.
        split = await env.client.post(
            "/warehouse/reservations", json=_items(("TEE-M", 3), ("TEE-M", 3)), headers={"Idempotency-Key": "k2"}
        )
        assert split.json()["fields"] == {"TEE-M": "5 available"}
        # Nothing was remembered for the refused key: once stock is back, it reserves.
        await _stock(env, "MUG", on_hand=2)
        retried = await env.client.post(
            "/warehouse/reservations", json=_items(("TEE-M", 2), ("MUG", 2)), headers={"Idempotency-Key": "k1"}
        )
        assert retried.status_code == 201


async def test_release_makes_the_stock_available_again_and_is_idempotent() -> None:
    async with running() as env:
        await _stock(env, "TEE-M", on_hand=2)
        held = await _reserve(env, ("TEE-M", 2), key="a")
        blocked = await env.client.post(
            "/warehouse/reservations", json=_items(("TEE-M", 1)), headers={"Idempotency-Key": "b"}
        )
        assert blocked.json()["fields"] == {"TEE-M": "0 available"}
        for _ in range(2):
            released = await env.client.post(f"/warehouse/reservations/{held['id']}/release")
            assert released.status_code == 200
            assert (released.json()["id"], released.json()["status"]) == (held["id"], "released")
        assert (await _stock(env, "TEE-M"))["available"] == 2
        await _reserve(env, ("TEE-M", 1), key="b")


async def test_ship_takes_stock_off_the_shelf_and_sends_a_tracked_parcel() -> None:
    async with running() as env:
        await _stock(env, "TEE-M", on_hand=3)
        held = await _reserve(env, ("TEE-M", 2))
        to = {"to_address": address("李四", "上海")}
        shipped = await env.client.post(f"/warehouse/reservations/{held['id']}/ship", json=to)
        assert shipped.status_code == 200, shipped.text
        body = shipped.json()
        tracking = body["tracking_number"]
        assert body["status"] == "shipped" and tracking
        assert body["label_url"].endswith(f"/carrier/labels/{tracking}.pdf")
        assert (await env.client.get(body["label_url"].removeprefix("http://sandbox.test"))).status_code == 200
        stock = await _stock(env, "TEE-M")
        assert (stock["on_hand"], stock["reserved"], stock["available"]) == (1, 0, 1)
        assert (await env.client.get(f"/warehouse/reservations/{held['id']}")).json()["tracking_number"] == tracking
        again = await env.client.post(f"/warehouse/reservations/{held['id']}/ship", json=to)
        assert (again.status_code, again.json()["tracking_number"]) == (200, tracking)
        assert (await _stock(env, "TEE-M"))["on_hand"] == 1  # shipped once
        late = await env.client.post(f"/warehouse/reservations/{held['id']}/release")
        assert (late.status_code, late.json()["error"]) == (409, "already_shipped")

        created = await env.inbox.next()
        assert created.url == "http://rebound.test/api/v1/webhooks/carrier"
        verify(SECRETS["carrier"], created.headers[HEADER], created.content, now=int(time.time()))
        await env.client.post(f"/carrier/shipments/{tracking}/advance", json={"to": "delivered"})
        events = [await env.inbox.next_json() for _ in range(3)]
        assert [e["status"] for e in events] == ["picked_up", "in_transit", "delivered"]
        assert {e["reference"] for e in events} == {REFERENCE}
        assert {e["tracking_number"] for e in events} == {tracking}
        assert events[0]["location"] == "Shenzhen" and events[2]["location"] == "上海"


async def test_damaged_stock_cannot_ship_and_nothing_changes() -> None:
    async with running() as env:
        await _stock(env, "TEE-M", on_hand=2, shippable=False)
        held = await _reserve(env, ("TEE-M", 1))
        refused = await env.client.post(f"/warehouse/reservations/{held['id']}/ship", json={"to_address": address()})
        assert (refused.status_code, refused.json()["error"]) == (409, "cannot_ship")
        assert refused.json()["fields"] == {"TEE-M": "not shippable"}
        assert (await env.client.get(f"/warehouse/reservations/{held['id']}")).json()["status"] == "reserved"
        stock = await _stock(env, "TEE-M")
        assert (stock["on_hand"], stock["reserved"]) == (2, 1)
        await env.sandbox.quiet()
        assert env.inbox.received == []  # no parcel was handed to the carrier


async def test_a_released_reservation_cannot_ship() -> None:
    async with running() as env:
        held = await _reserve(env, ("TEE-M", 1))
        await env.client.post(f"/warehouse/reservations/{held['id']}/release")
        refused = await env.client.post(f"/warehouse/reservations/{held['id']}/ship", json={"to_address": address()})
        assert (refused.status_code, refused.json()["error"]) == (409, "released")
        assert (await _stock(env, "TEE-M"))["on_hand"] == 100


async def test_faults_apply_and_the_retry_with_the_same_key_holds_once() -> None:
    async with running() as env:
        await env.client.put("/faults", json={"warehouse": {"error_rate": 1.0, "error_commit_rate": 1.0}})
        failed = await env.client.post(
            "/warehouse/reservations", json=_items(("TEE-M", 4)), headers={"Idempotency-Key": "k"}
        )
        assert (failed.status_code, failed.json()["error"]) == (500, "internal_error")
        assert (await _stock(env, "TEE-M"))["reserved"] == 4  # made, though the caller was told otherwise
        await env.client.delete("/faults")
        retry = await env.client.post(
            "/warehouse/reservations", json=_items(("TEE-M", 4)), headers={"Idempotency-Key": "k"}
        )
        assert retry.status_code == 200
        rid = retry.json()["id"]
        assert (await _stock(env, "TEE-M"))["reserved"] == 4
        await env.client.put("/faults", json={"warehouse": {"error_rate": 1.0, "error_commit_rate": 0.0}})
        for path in ("ship", "release"):
            body = {"to_address": address()} if path == "ship" else None
            assert (await env.client.post(f"/warehouse/reservations/{rid}/{path}", json=body)).status_code == 500
        await env.client.delete("/faults")
        assert (await env.client.get(f"/warehouse/reservations/{rid}")).json()["status"] == "reserved"


async def test_stock_and_reservations_survive_a_restart(tmp_path) -> None:
    config = make_config(state_path=tmp_path / "sandbox.db")
    async with running(config) as env:
        await _stock(env, "TEE-M", on_hand=3)
        held = await _reserve(env, ("TEE-M", 2))
    async with running(config) as env:
        stock = await _stock(env, "TEE-M")
        assert (stock["on_hand"], stock["reserved"]) == (3, 2)
        again = await env.client.post(
            "/warehouse/reservations", json=_items(("TEE-M", 2)), headers={"Idempotency-Key": "rsv-1"}
        )
        assert again.status_code == 200 and again.json()["id"] == held["id"]
