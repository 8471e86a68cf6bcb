"""Partner webhooks: verified (HMAC over the raw body, replay window), de-duplicated, turned into signals."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ValidationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import error_body
from db.repositories.catalogue import case_for_repair
from integrations.signing import HEADER, InvalidSignature, verify
from services import claims, inbound
from workflows.contracts import (
    BrokerDecision,
    CarrierEvent,
    InsurerDecision,
    ProviderRefundEvent,
    RepairVerdict,
    case_workflow_id,
    claim_workflow_id,
    customs_workflow_id,
    refund_workflow_id_for_key,
    repair_workflow_id,
)

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


class PartnerEvent(BaseModel):
    event_id: str


Event = TypeVar("Event", bound=PartnerEvent)


class CarrierWebhook(PartnerEvent):
    tracking_number: str
    reference: str | None = None  # what the label was bought for: a case, an exchange, a repair
    status: Literal["label_created", "picked_up", "in_transit", "delivered", "exception", "lost", "damaged"]
    occurred_at: AwareDatetime
    location: str | None = None


class PaymentWebhook(PartnerEvent):
    type: Literal["refund.succeeded", "refund.failed"]
    refund_id: str
    reference: str  # our idempotency key
    amount: int
    currency: str
    failure_reason: str | None = None
    occurred_at: datetime | None = None


class CustomsWebhook(PartnerEvent):
    declaration_id: str
    reference: str  # the case number
    outcome: Literal["cleared", "held", "refused"]
    note: str | None = None
    occurred_at: datetime | None = None


class InsurerWebhook(PartnerEvent):
    claim_id: str
    reference: str  # our claim id (claim-<case>-<kind>)
    outcome: Literal["approved", "partial", "denied", "more_evidence"]
    amount: int | None = None  # what the insurer pays, minor units
    currency: str | None = None
    note: str | None = None
    occurred_at: datetime | None = None


class RepairWebhook(PartnerEvent):
    repair_id: str
    reference: str  # our repair id (repair-<case>)
    outcome: Literal["repaired", "not_repairable", "out_of_warranty", "returned_unrepaired"]
    quote_amount: int | None = None  # out_of_warranty: minor units
    currency: str | None = None
    tracking_number: str | None = None  # repaired / returned_unrepaired: the parcel back to the customer
    note: str | None = None
    occurred_at: datetime | None = None


class Answer(Exception):
    """Ends webhook handling early with this response (refused, malformed, duplicate, not ours yet)."""

    def __init__(self, response: JSONResponse) -> None:
        self.response = response


def _answer(status: int, code: str, detail: str) -> Answer:
    return Answer(JSONResponse(error_body(code, detail), status_code=status))


async def _receive(
    request: Request, settings: SettingsDep, session: SessionDep, partner: str, model: type[Event]
) -> Event:
    """The verified, parsed event; a bad signature, a malformed body or an event id seen before ends here."""
    raw = await request.body()
    try:
        verify(
            settings.partner_secrets_accepted(partner),
            request.headers.get(HEADER),
            raw,
            now=int(time.time()),
            tolerance_s=settings.webhook_tolerance_s,
        )
        event = model.model_validate_json(raw)
    except InvalidSignature as bad:
        raise _answer(401, "invalid_signature", f"webhook refused: {bad.reason}") from None
    except ValidationError as bad:
        raise _answer(422, "validation_failed", f"not a {partner} event: {bad.errors()[0]['msg']}") from None
    if await inbound.seen(session, partner, event.event_id):
        raise Answer(JSONResponse({"status": "duplicate"}))
    return event


async def _deliver(
    temporal: TemporalDep,
    session: SessionDep,
    partner: str,
    event: PartnerEvent,
    workflow_id: str,
    signal: str,
    arg: Any,
) -> JSONResponse:
    """Signal the workflow, then remember the event id: if the signal fails, the partner's retry gets through."""
    await session.commit()  # no transaction held across the Temporal call (the signal leads to projection writes)
    try:
        await temporal.get_workflow_handle(workflow_id).signal(signal, arg)
    except RPCError as err:
        finished = "completed" in err.message.lower() or "closed" in err.message.lower()
        if err.status != RPCStatusCode.NOT_FOUND:
            raise _answer(503, "unavailable", "the case engine is unavailable; retry later") from None
        if not finished:  # a finished workflow has nothing left to learn; an unknown one is not started yet
            raise _answer(404, "unknown_workflow", f"{workflow_id} is not running yet; retry later") from None
    await inbound.remember(session, partner, event.event_id, event.model_dump(mode="json"))
    await session.commit()
    return JSONResponse({"status": "accepted"})


@router.post("/carrier")
async def carrier(request: Request, settings: SettingsDep, session: SessionDep, temporal: TemporalDep) -> JSONResponse:
    """Tracking events for return labels; duplicate event ids are accepted and ignored."""
    try:
        event = await _receive(request, settings, session, "carrier", CarrierWebhook)
        case_number = await inbound.case_for_tracking(session, event.tracking_number)
        if case_number is None:  # a parcel we send, announced before our records have it: known by its reference
            case_number = await inbound.case_for_outbound_reference(session, event.reference)
        if case_number is None:
            raise _answer(404, "unknown_tracking_number", f"no return shipment {event.tracking_number}")
        return await _deliver(
            temporal,
            session,
            "carrier",
            event,
            case_workflow_id(case_number),
            "carrier_event",
            CarrierEvent.model_validate(event.model_dump()),
        )
    except Answer as answer:
        return answer.response


@router.post("/payments")
async def payments(request: Request, settings: SettingsDep, session: SessionDep, temporal: TemporalDep) -> JSONResponse:
    """Refund outcomes from the payment provider, routed to the refund's own workflow."""
    try:
        event = await _receive(request, settings, session, "payments", PaymentWebhook)
        if not await inbound.refund_known(session, event.reference):
            raise _answer(404, "unknown_refund", f"no refund with reference {event.reference}")
        signal = ProviderRefundEvent(
            event_id=event.event_id,
            idempotency_key=event.reference,
            status=event.type.removeprefix("refund."),
            provider_refund_id=event.refund_id,
            failure_reason=event.failure_reason,
        )
        return await _deliver(
            temporal, session, "payments", event, refund_workflow_id_for_key(event.reference), "provider_event", signal
        )
    except Answer as answer:
        return answer.response


@router.post("/customs")
async def customs(request: Request, settings: SettingsDep, session: SessionDep, temporal: TemporalDep) -> JSONResponse:
    """The customs broker's decisions (cleared, held, refused), routed to the case's clearance workflow."""
    try:
        event = await _receive(request, settings, session, "customs", CustomsWebhook)
        if not await inbound.declaration_known(session, event.reference, event.declaration_id):
            raise _answer(404, "unknown_declaration", f"no declaration {event.declaration_id} for {event.reference}")
        decision = BrokerDecision(
            event_id=event.event_id, declaration_id=event.declaration_id, outcome=event.outcome, note=event.note
        )
        return await _deliver(
            temporal,
            session,
            "customs",
            event,
            customs_workflow_id(event.reference),
            "broker_decision",
            decision,
        )
    except Answer as answer:
        return answer.response


@router.post("/insurer")
async def insurer(request: Request, settings: SettingsDep, session: SessionDep, temporal: TemporalDep) -> JSONResponse:
    """The insurer's decisions on claims, routed to the claim's own workflow."""
    try:
        event = await _receive(request, settings, session, "insurer", InsurerWebhook)
        known = await claims.claim_known(session, event.claim_id)
        if known is None or claim_workflow_id(*known) != event.reference:
            raise _answer(404, "unknown_claim", f"no claim {event.claim_id} for {event.reference}")
        decision = InsurerDecision(
            event_id=event.event_id,
            claim_id=event.claim_id,
            outcome=event.outcome,
            amount_minor=event.amount,
            note=event.note,
        )
        return await _deliver(temporal, session, "insurer", event, event.reference, "insurer_decision", decision)
    except Answer as answer:
        return answer.response


@router.post("/repair")
async def repair(request: Request, settings: SettingsDep, session: SessionDep, temporal: TemporalDep) -> JSONResponse:
    """The repair centre's verdicts (repaired, not repairable, out of warranty with a quote), routed to the case's
    repair workflow."""
    try:
        event = await _receive(request, settings, session, "repair", RepairWebhook)
        case_number = await case_for_repair(session, event.repair_id)
        if case_number is None or repair_workflow_id(case_number) != event.reference:
            raise _answer(404, "unknown_repair", f"no repair {event.repair_id} for {event.reference}")
        verdict = RepairVerdict(
            event_id=event.event_id,
            repair_id=event.repair_id,
            outcome=event.outcome,
            quote_minor=event.quote_amount,
            tracking_number=event.tracking_number,
            note=event.note,
        )
        return await _deliver(temporal, session, "repair", event, event.reference, "repair_verdict", verdict)
    except Answer as answer:
        return answer.response
