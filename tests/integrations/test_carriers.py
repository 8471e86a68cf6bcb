"""HttpCarrier: one label per key, voids refused once the parcel moved."""

from __future__ import annotations

import pytest

from integrations.carriers import Address, HttpCarrier
from integrations.errors import PermanentPartnerError
from tests.sandbox.harness import BASE, running

HOME = Address(name="王小明", line1="信義路五段7號", city="臺北市", postal_code="110", country="TW")
WAREHOUSE = Address(
    name="Rebound Returns", line1="1 Dock Rd", line2="Bay 4", city="Shenzhen", postal_code="518000", country="CN"
)


async def test_label_once_per_key_and_void() -> None:
    async with running() as env:
        carrier = HttpCarrier(BASE, env.client)
        label = await carrier.create_label(
            idempotency_key="label-R-8-1", reference="R-8", from_address=HOME, to_address=WAREHOUSE, weight_g=900
        )
        again = await carrier.create_label(
            idempotency_key="label-R-8-1", reference="R-8", from_address=HOME, to_address=WAREHOUSE, weight_g=900
        )
        assert again.tracking_number == label.tracking_number
        assert (label.status, label.reference) == ("label_created", "R-8")
        assert label.price is not None and (label.price.amount, label.price.currency) == (1_200 + 2 * 200, "CNY")
        billed = await carrier.create_label(
            idempotency_key="label-R-8-2",
            reference="R-8",
            from_address=HOME,
            to_address=WAREHOUSE,
            weight_g=900,
            currency="TWD",
        )
        assert billed.price is not None and (billed.price.amount, billed.price.currency) == (9_000 + 2 * 1_500, "TWD")
        pdf = await env.client.get(label.label_url.removeprefix(BASE))
        assert pdf.content.startswith(b"%PDF")
        await carrier.void_label(label.tracking_number)
        status = (await env.client.get(f"/carrier/shipments/{label.tracking_number}")).json()["status"]
        assert status == "voided"


async def test_void_after_pickup_is_permanent() -> None:
    async with running() as env:
        carrier = HttpCarrier(BASE, env.client)
        label = await carrier.create_label(
            idempotency_key="k", reference="R-9", from_address=HOME, to_address=WAREHOUSE, weight_g=100
        )
        await env.client.post(f"/carrier/shipments/{label.tracking_number}/advance", json={"to": "picked_up"})
        with pytest.raises(PermanentPartnerError) as refused:
            await carrier.void_label(label.tracking_number)
        assert (refused.value.code, refused.value.status) == ("already_picked_up", 409)
