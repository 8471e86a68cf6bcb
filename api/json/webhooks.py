"""Partner webhooks: verified (HMAC over the raw body, replay window), de-duplicated, turned into signals."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ValidationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import error_body
from integrations.signing import HEADER, InvalidSignature, verify
from services import inbound
from workflows.contracts import CarrierEvent, ProviderRefundEvent, case_workflow_id, refund_workflow_id_for_key

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


class CarrierWebhook(BaseModel):
    event_id: str
    tracking_number: str
    status: Literal["label_created", "picked_up", "in_transit", "delivered", "exception", "lost", "damaged"]
    occurred_at: AwareDatetime
    location: str | None = None


class PaymentWebhook(BaseModel):
    event_id: str
    type: Literal["refund.succeeded", "refund.failed"]
    refund_id: str
    reference: str  # our idempotency key
    amount: int
    currency: str
    failure_reason: str | None = None
    occurred_at: datetime | None = None


async def _verified(request: Request, settings: SettingsDep, partner: str) -> bytes:
    raw = await request.body()
    try:
        verify(
            settings.partner_secret(partner),
            request.headers.get(HEADER),
            raw,
            now=int(time.time()),
            tolerance_s=settings.webhook_tolerance_s,
        )
    except InvalidSignature as bad:
        raise WebhookRefused(401, "invalid_signature", f"webhook refused: {bad.reason}") from None
    return raw


class WebhookRefused(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        self.status, self.code, self.detail = status, code, detail


def _answer(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse(error_body(code, detail), status_code=status)


async def _signal(
    temporal: TemporalDep, session: SessionDep, workflow_id: str, signal: str, arg: Any
) -> JSONResponse | None:
    """Deliver; a finished workflow has nothing left to learn (ok), an unknown one means 'retry later'."""
    await session.commit()  # no transaction held across the Temporal call (the signal leads to projection writes)
    try:
        await temporal.get_workflow_handle(workflow_id).signal(signal, arg)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            finished = "completed" in err.message.lower() or "closed" in err.message.lower()
            if not finished:
                return _answer(404, "unknown_workflow", f"{workflow_id} is not running yet; retry later")
        else:
            return _answer(503, "unavailable", "the case engine is unavailable; retry later")
    return None


@router.post("/carrier")
async def carrier(request: Request, settings: SettingsDep, session: SessionDep, temporal: TemporalDep) -> JSONResponse:
    """Tracking events for return labels; duplicate event ids are accepted and ignored."""
    try:
        raw = await _verified(request, settings, "carrier")
        event = CarrierWebhook.model_validate_json(raw)
    except WebhookRefused as refused:
        return _answer(refused.status, refused.code, refused.detail)
    except ValidationError as bad:
        return _answer(422, "validation_failed", f"not a carrier event: {bad.errors()[0]['msg']}")
    if await inbound.seen(session, "carrier", event.event_id):
        return JSONResponse({"status": "duplicate"})
    case_number = await inbound.case_for_tracking(session, event.tracking_number)
    if case_number is None:
        return _answer(404, "unknown_tracking_number", f"no return shipment {event.tracking_number}")
    carrier_event = CarrierEvent.model_validate(event.model_dump())
    failed = await _signal(temporal, session, case_workflow_id(case_number), "carrier_event", carrier_event)
    if failed is not None:
        return failed
    await inbound.remember(session, "carrier", event.event_id, event.model_dump(mode="json"))
    await session.commit()
    return JSONResponse({"status": "accepted"})


@router.post("/payments")
async def payments(request: Request, settings: SettingsDep, session: SessionDep, temporal: TemporalDep) -> JSONResponse:
    """Refund outcomes from the payment provider, routed to the refund's own workflow."""
    try:
        raw = await _verified(request, settings, "payments")
        event = PaymentWebhook.model_validate_json(raw)
    except WebhookRefused as refused:
        return _answer(refused.status, refused.code, refused.detail)
    except ValidationError as bad:
        return _answer(422, "validation_failed", f"not a payment event: {bad.errors()[0]['msg']}")
    if await inbound.seen(session, "payments", event.event_id):
        return JSONResponse({"status": "duplicate"})
    if not await inbound.refund_known(session, event.reference):
        return _answer(404, "unknown_refund", f"no refund with reference {event.reference}")
    signal = ProviderRefundEvent(
        event_id=event.event_id,
        idempotency_key=event.reference,
        status=event.type.removeprefix("refund."),
        provider_refund_id=event.refund_id,
        failure_reason=event.failure_reason,
    )
    failed = await _signal(temporal, session, refund_workflow_id_for_key(event.reference), "provider_event", signal)
    if failed is not None:
        return failed
    await inbound.remember(session, "payments", event.event_id, event.model_dump(mode="json"))
    await session.commit()
    return JSONResponse({"status": "accepted"})
