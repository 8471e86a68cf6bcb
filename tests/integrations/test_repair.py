"""HttpRepairCentre: one repair order per key, quotes answered, refusals permanent, failures of the moment
transient."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.carriers import Address
from integrations.errors import PermanentPartnerError, TransientPartnerError
from integrations.repair import HttpRepairCentre, RepairStatus
from tests.sandbox.harness import BASE, make_config, running

HOME = Address(name="王小明", line1="信義路五段7號", city="臺北市", postal_code="110", country="TW")
ORDER: dict[str, Any] = {
    "reference": "repair-R-2026-000009",
    "case_number": "R-2026-000009",
    "sku": "KETTLE-1",
    "fault": "does not heat",
    "return_address": HOME,
}


async def test_order_quote_and_answer_round_trip() -> None:
    async with running(make_config(repair_auto_decide_s=None)) as env:
        centre = HttpRepairCentre(BASE, env.client)
        order = await centre.create_order(idempotency_key="repair-R-9", **ORDER)
        again = await centre.create_order(idempotency_key="repair-R-9", **ORDER)
        assert again.id == order.id and order.status is RepairStatus.RECEIVED
        assert (order.reference, order.case_number, order.sku) == ("repair-R-2026-000009", "R-2026-000009", "KETTLE-1")
        with pytest.raises(PermanentPartnerError) as early:
            await centre.answer_quote(order.id, True)
        assert (early.value.code, early.value.status) == ("no_quote_pending", 409)
        quote = {"amount": 30_000, "currency": "CNY"}
        await env.client.post(f"/repair/orders/{order.id}/decide", json={"outcome": "out_of_warranty", "quote": quote})
        quoted = await centre.get(order.id)
        assert quoted.status is RepairStatus.QUOTE_PENDING and quoted.quote is not None
        assert (quoted.quote.amount, quoted.quote.currency) == (30_000, "CNY")
        declined = await centre.answer_quote(order.id, False)
        assert declined.status is RepairStatus.RETURNED_UNREPAIRED and declined.tracking_number
        assert (await centre.answer_quote(order.id, False)).tracking_number == declined.tracking_number
        with pytest.raises(PermanentPartnerError) as missing:
            await centre.get("rp_nope")
        assert missing.value.code == "repair_not_found"


async def test_500_after_commit_is_transient_and_the_retry_files_once() -> None:
    async with running(make_config(repair_auto_decide_s=None)) as env:
        centre = HttpRepairCentre(BASE, env.client)
        await env.client.put("/faults", json={"repair": {"error_rate": 1.0, "error_commit_rate": 1.0}})
        with pytest.raises(TransientPartnerError) as failed:
            await centre.create_order(idempotency_key="repair-R-9", **ORDER)
        assert failed.value.status == 500
        await env.client.delete("/faults")
        order = await centre.create_order(idempotency_key="repair-R-9", **ORDER)
        listed = (await env.client.get("/repair/orders", params={"reference": ORDER["reference"]})).json()
        assert [o["id"] for o in listed] == [order.id]
