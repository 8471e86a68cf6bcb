"""Partner webhooks arrive signed, are retried until Rebound says 2xx, and can be duplicated on purpose."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from integrations.signing import HEADER, InvalidSignature, verify
from tests.sandbox.harness import SECRETS, WebhookInbox, make_config, new_charge, running


async def _refund(env, key: str = "k", amount: int = 500) -> str:
    charge = await new_charge(env.client)
    response = await env.client.post(
        "/payments/refunds",
        headers={"Idempotency-Key": key},
        json={"charge_id": charge, "amount": amount, "currency": "CNY", "reference": "R-1"},
    )
    assert response.status_code == 201
    refund_id: str = response.json()["id"]
    return refund_id


async def test_webhook_is_signed_with_the_partner_secret() -> None:
    async with running() as env:
        await _refund(env)
        request = await env.inbox.next()
        assert request.url == "http://rebound.test/api/v1/webhooks/payments"
        header = request.headers[HEADER]
        verify(SECRETS["payments"], header, request.content, now=int(time.time()))
        with pytest.raises(InvalidSignature):
            verify(SECRETS["carrier"], header, request.content, now=int(time.time()))


async def test_tampered_body_and_replayed_timestamp_fail_verification() -> None:
    async with running() as env:
        await _refund(env, amount=500)
        request = await env.inbox.next()
        header, body = request.headers[HEADER], request.content
        tampered = body.replace(b'"amount":500', b'"amount":50000')
        assert tampered != body
        with pytest.raises(InvalidSignature, match="mismatch"):
            verify(SECRETS["payments"], header, tampered, now=int(time.time()))
        with pytest.raises(InvalidSignature, match="tolerance"):
            verify(SECRETS["payments"], header, body, now=int(time.time()) + 3600)


async def test_duplicate_faults_send_each_event_twice() -> None:
    async with running() as env:
        await env.client.put("/faults", json={"payments": {"duplicate_webhooks": True}})
        refund_id = await _refund(env)
        first, second = await env.inbox.next_json(), await env.inbox.next_json()
        assert first == second
        assert first["refund_id"] == refund_id
        await env.sandbox.quiet()
        assert len(env.inbox.received) == 2


async def test_failed_delivery_is_retried_until_2xx() -> None:
    inbox = WebhookInbox(answers=[500, 503])
    async with running(inbox=inbox) as env:
        await _refund(env)
        bodies = [await inbox.next_json() for _ in range(3)]
        assert len({b["event_id"] for b in bodies}) == 1
        await env.sandbox.quiet()
        log = (await env.client.get("/webhooks/deliveries")).json()
        assert [(d["attempts"], d["status"], d["last_status_code"]) for d in log] == [(3, "delivered", 200)]
        # Each attempt carries a fresh, valid signature.
        for request in inbox.received:
            verify(SECRETS["payments"], request.headers[HEADER], request.content, now=int(time.time()))


async def test_retries_are_bounded() -> None:
    inbox = WebhookInbox(answers=[500] * 10)
    async with running(make_config(webhook_max_attempts=3), inbox=inbox) as env:
        await _refund(env)
        await env.sandbox.quiet()
        assert len(inbox.received) == 3
        log = (await env.client.get("/webhooks/deliveries")).json()
        assert log[0]["status"] == "failed"


async def test_unreachable_rebound_is_retried() -> None:
    inbox = WebhookInbox(answers=[httpx.ConnectError("connection refused")])
    async with running(inbox=inbox) as env:
        await _refund(env)
        down, up = await inbox.next(), await inbox.next_json()
        assert json.loads(down.content) == up and up["type"] == "refund.succeeded"
        await env.sandbox.quiet()
        log = (await env.client.get("/webhooks/deliveries")).json()
        assert (log[0]["attempts"], log[0]["status"]) == (2, "delivered")
