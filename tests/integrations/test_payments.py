"""HttpPaymentProvider: refunds exactly once, and failures sorted into retry-with-same-key vs give up."""

from __future__ import annotations

import httpx
import pytest

from integrations.errors import PartnerError
from integrations.payments import (
    HttpPaymentProvider,
    PermanentPartnerError,
    RefundResult,
    RefundStatus,
    TransientPartnerError,
)
from tests.sandbox.harness import BASE, free_port, new_charge, running


def _provider(env, timeout_s: float = 5) -> HttpPaymentProvider:
    return HttpPaymentProvider(BASE, env.client, timeout_s=timeout_s)


async def test_refund_round_trip() -> None:
    async with running() as env:
        charge = await new_charge(env.client, amount=2_000)
        provider = _provider(env)
        made = await provider.create_refund(
            idempotency_key="refund-R-1-1", charge_id=charge, amount=1_500, currency="CNY", reference="R-1"
        )
        assert isinstance(made, RefundResult)
        assert (made.amount, made.currency, made.status) == (1_500, "CNY", RefundStatus.PENDING)
        again = await provider.create_refund(
            idempotency_key="refund-R-1-1", charge_id=charge, amount=1_500, currency="CNY", reference="R-1"
        )
        assert again.id == made.id
        await env.sandbox.quiet()
        assert (await provider.get_refund(made.id)).status is RefundStatus.SUCCEEDED
        assert [r.id for r in await provider.find_refunds("R-1")] == [made.id]
        assert [r.id for r in await provider.find_refunds("refund-R-1-1")] == [made.id]


async def test_refusals_are_permanent_with_the_partner_code() -> None:
    async with running() as env:
        charge = await new_charge(env.client, amount=1_000)
        provider = _provider(env)
        await provider.create_refund(idempotency_key="k", charge_id=charge, amount=600, currency="CNY", reference="R")
        with pytest.raises(PermanentPartnerError) as reused:
            await provider.create_refund(
                idempotency_key="k", charge_id=charge, amount=601, currency="CNY", reference="R"
            )
        assert (reused.value.code, reused.value.status) == ("idempotency_key_reused", 409)
        with pytest.raises(PermanentPartnerError) as over:
            await provider.create_refund(
                idempotency_key="k2", charge_id=charge, amount=401, currency="CNY", reference="R"
            )
        assert over.value.code == "amount_exceeds_charge"
        with pytest.raises(PermanentPartnerError) as missing:
            await provider.get_refund("re_nope")
        assert missing.value.code == "refund_not_found"


async def test_money_must_be_int_minor_units() -> None:
    async with running() as env:
        provider = _provider(env)
        for bad in (12.5, True, "1299"):
            with pytest.raises(TypeError):
                await provider.create_refund(
                    idempotency_key="k",
                    charge_id="ch",
                    amount=bad,  # type: ignore[arg-type]
                    currency="CNY",
                    reference="R",
                )
        with pytest.raises(ValueError, match="positive"):
            await provider.create_refund(idempotency_key="k", charge_id="ch", amount=0, currency="CNY", reference="R")
        assert (await env.client.get("/payments/refunds")).json() == []


async def test_500_after_commit_is_transient_and_the_retry_pays_once() -> None:
    async with running() as env:
        charge = await new_charge(env.client)
        provider = _provider(env)
        await env.client.put("/faults", json={"payments": {"error_rate": 1.0, "error_commit_rate": 1.0}})
        with pytest.raises(TransientPartnerError) as failed:
            await provider.create_refund(
                idempotency_key="refund-R-3-1", charge_id=charge, amount=300, currency="CNY", reference="R-3"
            )
        assert (failed.value.status, failed.value.code) == (500, "internal_error")
        await env.client.delete("/faults")
        retried = await provider.create_refund(
            idempotency_key="refund-R-3-1", charge_id=charge, amount=300, currency="CNY", reference="R-3"
        )
        paid = await provider.find_refunds("R-3")
        assert [r.id for r in paid] == [retried.id]


async def test_slow_answer_is_a_transient_timeout_and_the_retry_pays_once() -> None:
    async with running() as env:
        charge = await new_charge(env.client)
        provider = _provider(env, timeout_s=0.2)
        await env.client.put("/faults", json={"payments": {"timeout_rate": 1.0, "timeout_s": 30}})
        with pytest.raises(TransientPartnerError) as slow:
            await provider.create_refund(
                idempotency_key="refund-R-4-1", charge_id=charge, amount=400, currency="CNY", reference="R-4"
            )
        assert slow.value.code == "timeout"
        await env.client.delete("/faults")
        retried = await provider.create_refund(
            idempotency_key="refund-R-4-1", charge_id=charge, amount=400, currency="CNY", reference="R-4"
        )
        assert [r.id for r in await provider.find_refunds("R-4")] == [retried.id]


async def test_unreachable_provider_is_transient() -> None:
    provider = HttpPaymentProvider(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    try:
        with pytest.raises(TransientPartnerError) as down:
            await provider.get_refund("re_1")
        assert down.value.code == "unreachable"
    finally:
        await provider.aclose()


async def test_garbled_answer_is_transient() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"id": "re_1", "amount": "12.99"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        provider = HttpPaymentProvider("http://payments.test", client)
        with pytest.raises(TransientPartnerError) as bad:
            await provider.create_refund(idempotency_key="k", charge_id="ch", amount=1, currency="CNY", reference="R")
        assert bad.value.code == "invalid_response"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, TransientPartnerError),
        (503, TransientPartnerError),
        (400, PermanentPartnerError),
        (404, PermanentPartnerError),
    ],
)
async def test_status_classes(status: int, kind: type[PartnerError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text="<html>proxy error</html>")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(kind) as raised:
            await HttpPaymentProvider("http://payments.test", client).get_refund("re_1")
        assert raised.value.code == f"http_{status}"
