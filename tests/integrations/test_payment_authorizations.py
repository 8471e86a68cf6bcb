"""HttpPaymentProvider on the card on file: holds captured or voided, merchant-initiated charges once per key,
declines and refusals permanent with the provider's code."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.errors import PermanentPartnerError, TransientPartnerError
from integrations.payments import AuthorizationStatus, HttpPaymentProvider
from tests.sandbox.harness import BASE, new_charge, running

REFERENCE = "exchange-R-2026-000004"


async def test_hold_capture_and_void() -> None:
    async with running() as env:
        provider = HttpPaymentProvider(BASE, env.client)
        card = await new_charge(env.client)
        held = await provider.authorize(
            idempotency_key="hold", source_charge_id=card, amount=8_000, currency="CNY", reference=REFERENCE
        )
        assert (held.status, held.amount, held.charge_id) == (AuthorizationStatus.AUTHORIZED, 8_000, None)
        captured = await provider.capture(held.id)
        assert captured.status is AuthorizationStatus.CAPTURED and captured.charge_id
        assert (await provider.capture(held.id)).charge_id == captured.charge_id
        with pytest.raises(PermanentPartnerError) as late:
            await provider.void_authorization(held.id)
        assert (late.value.code, late.value.status) == ("already_captured", 409)

        other = await provider.authorize(
            idempotency_key="hold-2", source_charge_id=card, amount=1_000, currency="CNY", reference=REFERENCE
        )
        assert (await provider.void_authorization(other.id)).status is AuthorizationStatus.VOIDED
        with pytest.raises(PermanentPartnerError) as voided:
            await provider.capture(other.id)
        assert voided.value.code == "authorization_voided"


async def test_charge_on_the_card_on_file_once_per_key() -> None:
    async with running() as env:
        provider = HttpPaymentProvider(BASE, env.client)
        card = await new_charge(env.client)
        args: dict[str, Any] = {
            "source_charge_id": card,
            "amount": 2_500,
            "currency": "CNY",
            "reference": f"{REFERENCE}-difference",
        }
        made = await provider.charge(idempotency_key="diff", **args)
        assert (made.amount, made.source_charge_id) == (2_500, card)
        assert (await provider.charge(idempotency_key="diff", **args)).id == made.id
        with pytest.raises(PermanentPartnerError) as unknown:
            await provider.charge(idempotency_key="diff-2", **{**args, "source_charge_id": "ch_nope"})
        assert unknown.value.code == "charge_not_found"


async def test_declines_are_permanent_and_outages_transient() -> None:
    async with running() as env:
        provider = HttpPaymentProvider(BASE, env.client)
        card = await new_charge(env.client)
        await env.client.put("/faults", json={"payments": {"decline_rate": 1.0}})
        for call in (provider.authorize, provider.charge):
            with pytest.raises(PermanentPartnerError) as declined:
                await call(idempotency_key="k", source_charge_id=card, amount=100, currency="CNY", reference="R")
            assert (declined.value.code, declined.value.status) == ("card_declined", 402)
        await env.client.put("/faults", json={"payments": {"error_rate": 1.0, "error_commit_rate": 0.0}})
        with pytest.raises(TransientPartnerError):
            await provider.charge(idempotency_key="k", source_charge_id=card, amount=100, currency="CNY", reference="R")


async def test_money_must_be_int_minor_units() -> None:
    async with running() as env:
        provider = HttpPaymentProvider(BASE, env.client)
        for call in (provider.authorize, provider.charge):
            for bad in (12.5, True, "100"):
                with pytest.raises(TypeError):
                    await call(idempotency_key="k", source_charge_id="ch", amount=bad, currency="CNY", reference="R")  # type: ignore[arg-type]
            with pytest.raises(ValueError, match="positive"):
                await call(idempotency_key="k", source_charge_id="ch", amount=0, currency="CNY", reference="R")
            with pytest.raises(ValueError, match="idempotency key"):
                await call(idempotency_key="", source_charge_id="ch", amount=1, currency="CNY", reference="R")
        assert (await env.client.get("/payments/authorizations")).json() == []
