"""Partner webhooks that cannot be trusted (unsigned, forged, signed with another partner's secret, tampered,
signed outside the replay window) are refused with a 401 that says why, and change nothing: not the case, not
its refunds or shipments, not the ledger, not the record of events received. A genuine event delivered again is
acknowledged and ignored (API.md: a partner's retry must get its 2xx), also changing nothing."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from api.app import create_app
from core.settings import Settings
from db.models import InboundEvent, LedgerEntry, Refund, ReturnCase, Shipment
from sandbox.signing import HEADER, signature_header
from tests.support.stack import Stack
from workflows.contracts import CaseView, case_workflow_id

PARTNERS = ("carrier", "payments", "customs", "insurer", "repair")


def event(partner: str, **fields: Any) -> bytes:
    """A well-formed event of `partner`'s shape (about nothing Rebound knows unless `fields` say so)."""
    shapes: dict[str, dict[str, Any]] = {
        "carrier": {"tracking_number": "TRK-NONE", "status": "delivered", "occurred_at": datetime.now(UTC).isoformat()},
        "payments": {"type": "refund.failed", "refund_id": "re_x", "reference": "rf", "amount": 1, "currency": "CNY"},
        "customs": {"declaration_id": "dcl_x", "reference": "R-NONE", "outcome": "cleared"},
        "insurer": {"claim_id": "clm_x", "reference": "claim-R-NONE-transit", "outcome": "approved", "amount": 1},
        "repair": {"repair_id": "rep_x", "reference": "repair-R-NONE", "outcome": "repaired"},
    }  # fmt: skip
    payload = {"event_id": f"evt_forged_{partner}", **shapes[partner], **fields}
    return json.dumps(payload, separators=(",", ":")).encode()


def untrusted(settings: Settings, partner: str, body: bytes) -> Iterator[tuple[str, bytes, dict[str, str], str]]:
    """(what, body, headers, why refused) for each way a webhook can fail to be the partner's, now."""
    now, window = int(time.time()), settings.webhook_tolerance_s
    secret = settings.partner_secret(partner)
    other = next(p for p in PARTNERS if p != partner)
    yield "unsigned", body, {}, "missing signature"
    yield "forged", body, {HEADER: signature_header("a guessed secret", body, now)}, "signature mismatch"
    yield (
        "another partner's",
        body,
        {HEADER: signature_header(settings.partner_secret(other), body, now)},
        "signature mismatch",
    )
    tampered = body.replace(b'"event_id":"', b'"event_id":"x', 1)
    yield "tampered", tampered, {HEADER: signature_header(secret, body, now)}, "signature mismatch"
    stale = signature_header(secret, body, now - window - 60)  # a captured request, replayed too late
    yield "stale", body, {HEADER: stale}, "timestamp outside the tolerance window"
    early = signature_header(secret, body, now + window + 60)
    yield "from the future", body, {HEADER: early}, "timestamp outside the tolerance window"
    yield "malformed", body, {HEADER: "v1=" + "0" * 64}, "malformed signature header"


async def post(api: httpx.AsyncClient, partner: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await api.post(
        f"/api/v1/webhooks/{partner}",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": "", **headers},
    )


def signed(settings: Settings, partner: str, body: bytes) -> dict[str, str]:
    return {HEADER: signature_header(settings.partner_secret(partner), body, int(time.time()))}


async def assert_refused(api: httpx.AsyncClient, settings: Settings, partner: str, body: bytes) -> None:
    for what, sent, headers, why in untrusted(settings, partner, body):
        got = await post(api, partner, sent, headers)
        assert got.status_code == 401, f"{what} {partner} webhook: {got.status_code} {got.text}"
        assert got.json() == {"error": "invalid_signature", "detail": f"webhook refused: {why}"}, what


@pytest.mark.parametrize("db_template", ["sqlite"], indirect=True)
@pytest.mark.parametrize("partner", PARTNERS)
async def test_every_partner_endpoint_refuses_untrusted_webhooks(
    client: httpx.AsyncClient, settings: Settings, sessionmaker: Any, partner: str
) -> None:
    body = event(partner)
    await assert_refused(client, settings, partner, body)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(InboundEvent)) == 0
    # The same body signed with this partner's secret gets past the signature (to "no such parcel/refund/...").
    got = await post(client, partner, body, signed(settings, partner, body))
    assert got.status_code == 404 and got.json()["error"].startswith("unknown_"), got.text


async def footprint(stack: Stack, number: str) -> dict[str, Any]:
    """What a webhook could change about the case: the workflow's state and every row it projects."""
    view = await stack.temporal.get_workflow_handle(case_workflow_id(number)).query("status", result_type=CaseView)
    async with stack.sessionmaker() as s:
        case = (await s.scalars(select(ReturnCase).where(ReturnCase.number == number))).one()
        rows = {
            "shipments": select(Shipment.tracking_number, Shipment.status).where(Shipment.case_id == case.id),
            "refunds": select(Refund.idempotency_key, Refund.status).where(Refund.case_id == case.id),
            "ledger": select(LedgerEntry.txn_id, LedgerEntry.account, LedgerEntry.amount_minor),
            "inbound": select(InboundEvent.partner, InboundEvent.event_id),
        }
        found = {name: sorted(tuple(r) for r in await s.execute(stmt)) for name, stmt in rows.items()}
    return {"workflow": (view.status, view.seq), "case": (case.status, case.last_event_seq), **found}


def delivered_body(stack: Stack, partner: str, **match: Any) -> bytes:
    """The raw body of an event the sandbox partner really delivered (to replay it byte for byte)."""
    for delivery in stack.sandbox_app.state.sandbox.webhooks.log:
        payload = json.loads(delivery.body)
        if delivery.partner == partner and delivery.status == "delivered" and match.items() <= payload.items():
            return bytes(delivery.body)
    raise AssertionError(f"no delivered {partner} webhook with {match}")


async def test_untrusted_webhooks_leave_a_live_case_and_its_money_untouched(stack: Stack) -> None:
    order = await stack.order()
    number = (await stack.open_return(order)).json()["number"]
    await stack.reach(number, "awaiting_shipment")
    tracking = (await stack.case(number))["shipments"][0]["tracking_number"]
    await stack.advance(tracking, "in_transit")
    await stack.reach(number, "in_transit")

    # The carrier: "delivered" would move the case to received, if it were believed.
    before = await footprint(stack, number)
    delivered = event("carrier", event_id="evt_carrier_delivered", tracking_number=tracking)
    await assert_refused(stack.api, stack.settings, "carrier", delivered)
    replay = delivered_body(stack, "carrier", tracking_number=tracking, status="in_transit")
    again = await post(stack.api, "carrier", replay, signed(stack.settings, "carrier", replay))
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}, again.text
    assert await footprint(stack, number) == before
    # The same body, signed by the carrier, is what moves the case: the refusals were the signature's doing.
    genuine = await post(stack.api, "carrier", delivered, signed(stack.settings, "carrier", delivered))
    assert genuine.status_code == 200 and genuine.json() == {"status": "accepted"}, genuine.text
    await stack.reach(number, "received")

    # The payment provider: a refund.failed would contradict the refund paid out, if it were believed.
    await stack.inspect(number)
    await stack.reach(number, "completed")
    await stack.sandbox_app.state.sandbox.quiet()  # the provider's own refund.succeeded has been delivered
    before = await footprint(stack, number)
    [(key, status)] = before["refunds"]
    assert status == "succeeded" and before["ledger"]
    failed = event("payments", event_id="evt_refund_failed", reference=key, amount=10_000, failure_reason="forged")
    await assert_refused(stack.api, stack.settings, "payments", failed)
    replay = delivered_body(stack, "payments", reference=key, type="refund.succeeded")
    again = await post(stack.api, "payments", replay, signed(stack.settings, "payments", replay))
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}, again.text
    assert await footprint(stack, number) == before
    assert [r["status"] for r in (await stack.case(number))["refunds"]] == ["succeeded"]


@asynccontextmanager
async def api_of(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API built from `settings` (lifespan run), called without credentials as a partner calls it."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://x") as c:
        yield c


@pytest.mark.parametrize("db_template", ["sqlite"], indirect=True)
async def test_while_we_rotate_a_partners_secret_the_old_one_still_counts(settings: Settings) -> None:
    old = settings.partner_secret("payments")
    rotating = settings.model_copy(
        update={
            "partner_secrets": {**settings.partner_secrets, "payments": SecretStr("payments-new-secret")},
            "partner_secrets_previous": {"payments": SecretStr(old)},
        }
    )
    body, now = event("payments"), int(time.time())
    async with api_of(rotating) as api:
        for secret in ("payments-new-secret", old):  # past the signature, to "no such refund"
            got = await post(api, "payments", body, {HEADER: signature_header(secret, body, now)})
            assert got.status_code == 404 and got.json()["error"].startswith("unknown_"), got.text
        guessed = await post(api, "payments", body, {HEADER: signature_header("payments-guess", body, now)})
        assert guessed.status_code == 401
    finished = rotating.model_copy(update={"partner_secrets_previous": {}})  # the partner switched over
    async with api_of(finished) as api:
        got = await post(api, "payments", body, {HEADER: signature_header(old, body, now)})
        assert got.status_code == 401 and got.json()["detail"] == "webhook refused: signature mismatch"
