"""HttpWarehouse: one reservation per key, the partner's refusals as permanent errors with their codes (and what
is short), failures of the moment as transient ones."""

from __future__ import annotations

import pytest

from integrations.carriers import Address
from integrations.errors import PermanentPartnerError, TransientPartnerError
from integrations.warehouse import HttpWarehouse, ReservationStatus
from tests.sandbox.harness import BASE, running

HOME = Address(name="王小明", line1="信義路五段7號", city="臺北市", postal_code="110", country="TW")


async def test_reserve_ship_and_read_back() -> None:
    async with running() as env:
        warehouse = HttpWarehouse(BASE, env.client)
        await env.client.put("/warehouse/stock/TEE-M", json={"on_hand": 3})
        held = await warehouse.reserve(idempotency_key="k", reference="exchange-R-1", items=[("TEE-M", 2)])
        again = await warehouse.reserve(idempotency_key="k", reference="exchange-R-1", items=[("TEE-M", 2)])
        assert again.id == held.id and held.status is ReservationStatus.RESERVED
        assert [(i.sku, i.quantity) for i in held.items] == [("TEE-M", 2)]
        assert (await warehouse.stock("TEE-M")).available == 1
        sent = await warehouse.ship(held.id, HOME)
        assert sent.status is ReservationStatus.SHIPPED and sent.tracking_number and sent.label_url
        assert (await warehouse.get(held.id)).tracking_number == sent.tracking_number
        assert (await warehouse.ship(held.id, HOME)).tracking_number == sent.tracking_number
        parcel = (await env.client.get(f"/carrier/shipments/{sent.tracking_number}")).json()
        assert parcel["reference"] == "exchange-R-1"
        stock = await warehouse.stock("TEE-M")
        assert (stock.on_hand, stock.reserved, stock.available) == (1, 0, 1)


async def test_refusals_are_permanent_with_the_partner_code() -> None:
    async with running() as env:
        warehouse = HttpWarehouse(BASE, env.client)
        await env.client.put("/warehouse/stock/MUG", json={"on_hand": 1})
        with pytest.raises(PermanentPartnerError) as short:
            await warehouse.reserve(idempotency_key="a", reference="R", items=[("TEE-M", 1), ("MUG", 2)])
        assert (short.value.code, short.value.status, short.value.fields) == (
            "out_of_stock",
            409,
            {"MUG": "1 available"},
        )

        shipped = await warehouse.reserve(idempotency_key="b", reference="R", items=[("TEE-M", 1)])
        await warehouse.ship(shipped.id, HOME)
        with pytest.raises(PermanentPartnerError) as gone:
            await warehouse.release(shipped.id)
        assert gone.value.code == "already_shipped"

        released = await warehouse.reserve(idempotency_key="c", reference="R", items=[("TEE-M", 1)])
        await warehouse.release(released.id)
        await warehouse.release(released.id)  # again: the same answer, no error
        with pytest.raises(PermanentPartnerError) as late:
            await warehouse.ship(released.id, HOME)
        assert late.value.code == "released"

        await env.client.put("/warehouse/stock/VASE", json={"on_hand": 1, "shippable": False})
        damaged = await warehouse.reserve(idempotency_key="d", reference="R", items=[("VASE", 1)])
        with pytest.raises(PermanentPartnerError) as broken:
            await warehouse.ship(damaged.id, HOME)
        assert broken.value.code == "cannot_ship"
        with pytest.raises(PermanentPartnerError) as missing:
            await warehouse.get("rsv_nope")
        assert missing.value.code == "reservation_not_found"


async def test_bad_quantities_are_refused_before_any_call() -> None:
    async with running() as env:
        warehouse = HttpWarehouse(BASE, env.client)
        for items in ([("TEE-M", 0)], [("TEE-M", 1.0)], [("TEE-M", True)], []):
            with pytest.raises(ValueError):
                await warehouse.reserve(idempotency_key="k", reference="R", items=items)  # type: ignore[arg-type]
        assert (await warehouse.stock("TEE-M")).reserved == 0


async def test_500_after_commit_is_transient_and_the_retry_holds_once() -> None:
    async with running() as env:
        warehouse = HttpWarehouse(BASE, env.client)
        await env.client.put("/faults", json={"warehouse": {"error_rate": 1.0, "error_commit_rate": 1.0}})
        with pytest.raises(TransientPartnerError) as failed:
            await warehouse.reserve(idempotency_key="k", reference="R", items=[("TEE-M", 5)])
        assert (failed.value.status, failed.value.code) == (500, "internal_error")
        await env.client.delete("/faults")
        await warehouse.reserve(idempotency_key="k", reference="R", items=[("TEE-M", 5)])
        assert (await warehouse.stock("TEE-M")).reserved == 5


async def test_slow_answer_is_a_transient_timeout() -> None:
    async with running() as env:
        warehouse = HttpWarehouse(BASE, env.client, timeout_s=0.2)
        held = await warehouse.reserve(idempotency_key="k", reference="R", items=[("TEE-M", 1)])
        await env.client.put("/faults", json={"warehouse": {"timeout_rate": 1.0, "timeout_s": 30}})
        with pytest.raises(TransientPartnerError) as slow:
            await warehouse.ship(held.id, HOME)
        assert slow.value.code == "timeout"
        await env.client.delete("/faults")
        # The parcel left during the call that timed out; shipping again answers it.
        assert (await warehouse.ship(held.id, HOME)).tracking_number == (await warehouse.get(held.id)).tracking_number
