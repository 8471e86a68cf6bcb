"""Simulated repair centre: repair orders filed with an Idempotency-Key, diagnosed (repaired / not repairable /
out of warranty with a quote) by a control call or repaired by itself after a delay; the unit goes back with the
carrier, and each outcome reaches Rebound as a signed webhook."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from sandbox.carrier import Address, open_shipment
from sandbox.payments import Money
from sandbox.repair_books import RepairOrder
from sandbox.state import Sandbox, SandboxDep, error, fingerprint, new_id, replay, stored
from sandbox.store import iso, utcnow

router = APIRouter(prefix="/repair", tags=["repair"])

REPAIR_CENTRE_ADDRESS = Address(
    name="Sandbox Repair Centre", line1="21 Workshop Road", city="Dongguan", postal_code="523000", country="CN"
).model_dump()
PARCEL_G = 1_500
Key = tuple[str, str, str]  # (scope, Idempotency-Key, fingerprint) of the call that moves an order


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=200)  # Rebound's repair id
    case_number: str = Field(min_length=1, max_length=100)
    sku: str = Field(min_length=1, max_length=100)
    fault: str = Field(min_length=1, max_length=4000)
    return_address: Address


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["repaired", "not_repairable", "out_of_warranty"]
    quote: Money | None = None  # out_of_warranty only: what the repair would cost the customer
    note: str | None = Field(None, max_length=1000)


class QuoteAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted: StrictBool


def _json(o: RepairOrder) -> dict[str, Any]:
    quote = {"amount": o.quote_amount, "currency": o.currency} if o.quote_amount is not None else None
    return {
        "id": o.id,
        "status": o.status,
        "reference": o.reference,
        "case_number": o.case_number,
        "sku": o.sku,
        "fault": o.fault,
        "return_address": o.return_address,
        "quote": quote,
        "quote_accepted": o.quote_accepted,
        "note": o.note,
        "tracking_number": o.tracking_number,
        "created": o.created_at,
    }


def _tell(sandbox: Sandbox, o: RepairOrder, **facts: Any) -> None:
    event: dict[str, Any] = {
        "event_id": new_id("rep"),
        "repair_id": o.id,
        "reference": o.reference,
        "outcome": o.status,
    }
    event |= {**facts, "note": o.note, "occurred_at": iso(utcnow())}
    sandbox.webhooks.emit("repair", event, subject=o.id)  # one order's outcomes arrive in order


def _ship_back(sandbox: Sandbox, o: RepairOrder, status: str, key: Key | None = None) -> RepairOrder:
    """Send the unit back to the customer with the carrier and tell Rebound the parcel's tracking number."""
    parcel = open_shipment(
        sandbox,
        reference=o.reference,
        from_address=REPAIR_CENTRE_ADDRESS,
        to_address=o.return_address,
        weight_g=PARCEL_G,
    )
    done = replace(o, status=status, tracking_number=parcel.tracking_number)
    sandbox.repair.save(done, key=key)
    _tell(sandbox, done, tracking_number=done.tracking_number)
    return done


def _decide(sandbox: Sandbox, o: RepairOrder, outcome: str, quote: Money | None, note: str | None) -> RepairOrder:
    o = replace(o, note=note)
    if outcome == "repaired":
        return _ship_back(sandbox, o, "repaired")
    if outcome == "not_repairable":  # the centre keeps the unit
        done = replace(o, status="not_repairable")
        sandbox.repair.save(done)
        _tell(sandbox, done)
        return done
    assert quote is not None
    done = replace(o, status="quote_pending", quote_amount=quote.amount, currency=quote.currency)
    sandbox.repair.save(done)
    _tell(sandbox, done, outcome="out_of_warranty", quote_amount=quote.amount, currency=quote.currency)
    return done


def _repair_later(sandbox: Sandbox, order_id: str) -> None:
    """Without a control call the centre repairs by itself after the configured delay (never, when None)."""
    delay = sandbox.config.repair_auto_decide_s
    if delay is None:
        return

    async def work() -> None:
        o = sandbox.repair.get(order_id)
        if o is not None and o.status in ("received", "repairing"):
            _decide(sandbox, o, "repaired", None, None)

    sandbox.jobs.later(delay, work)


def resume(sandbox: Sandbox) -> None:
    """After a restart the orders still on the bench are repaired by themselves, as they would have been."""
    for o in sandbox.repair.find(on_the_bench=True):
        _repair_later(sandbox, o.id)


@router.post("/orders", status_code=201)
async def create_order(
    body: OrderIn,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """Send a unit in for repair once per Idempotency-Key; the centre diagnoses it later."""
    if not idempotency_key:
        return error(400, "idempotency_key_required", "send an Idempotency-Key header with every repair order")
    body_print = fingerprint(body.model_dump())
    key = idempotency_key

    def commit() -> Response:
        replayed = replay(sandbox, "repairs", key, body_print, lambda oid: _json(stored(sandbox.repair.get(oid))))
        if replayed is not None:
            return replayed
        o = RepairOrder(
            id=new_id("rp"),
            reference=body.reference,
            case_number=body.case_number,
            sku=body.sku,
            fault=body.fault,
            return_address=body.return_address.model_dump(),
            created_at=iso(utcnow()),
        )
        sandbox.repair.add(o, key, body_print)
        _repair_later(sandbox, o.id)
        return JSONResponse(_json(o), status_code=201)

    return await sandbox.faults.around("repair", commit)


def _order_or_404(sandbox: Sandbox, order_id: str) -> RepairOrder | Response:
    found = sandbox.repair.get(order_id)
    return found if found else error(404, "repair_not_found", f"no repair order {order_id}")


@router.get("/orders")
async def list_orders(sandbox: SandboxDep, reference: str | None = None) -> list[dict[str, Any]]:
    """The repair orders the centre holds, optionally only those under one reference."""
    return [_json(o) for o in sandbox.repair.find(reference=reference)]


@router.get("/orders/{order_id}")
async def get_order(order_id: str, sandbox: SandboxDep) -> Response:
    """The repair order as the centre holds it."""
    found = _order_or_404(sandbox, order_id)
    return JSONResponse(_json(found)) if isinstance(found, RepairOrder) else found


@router.post("/orders/{order_id}/decide")
async def decide(order_id: str, body: DecisionIn, sandbox: SandboxDep) -> Response:
    """Control: the centre's diagnosis now (dev and tests), sent to Rebound as a webhook."""
    found = _order_or_404(sandbox, order_id)
    if not isinstance(found, RepairOrder):
        return found
    if (body.outcome == "out_of_warranty") != (body.quote is not None):
        return error(400, "invalid_quote", "a quote goes with out_of_warranty, and only with it")
    if found.status == "repairing" and body.outcome == "out_of_warranty":
        return error(409, "already_quoted", f"the quote for {order_id} was accepted; it is being repaired")
    if found.status not in ("received", "repairing"):
        return error(409, "already_decided", f"repair order {order_id} is already {found.status}")
    return JSONResponse(_json(_decide(sandbox, found, body.outcome, body.quote, body.note)))


@router.post("/orders/{order_id}/quote")
async def answer_quote(
    order_id: str,
    body: QuoteAnswerIn,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """Rebound's answer to an out-of-warranty quote: accepted, it is repaired later; declined, it goes back
    unrepaired at once. The same answer again answers the same."""
    body_print = fingerprint({"repair_id": order_id, **body.model_dump()})
    key: Key | None = ("repair_quotes", idempotency_key, body_print) if idempotency_key else None

    def commit() -> Response:
        if key is not None:
            replayed = replay(sandbox, *key, lambda oid: _json(stored(sandbox.repair.get(oid))))
            if replayed is not None:
                return replayed
        found = _order_or_404(sandbox, order_id)
        if not isinstance(found, RepairOrder):
            return found
        if found.quote_accepted is body.accepted:  # answered so before
            return JSONResponse(_json(found))
        if found.status != "quote_pending":
            return error(409, "no_quote_pending", f"repair order {order_id} is {found.status}, no quote to answer")
        if not body.accepted:
            return JSONResponse(
                _json(_ship_back(sandbox, replace(found, quote_accepted=False), "returned_unrepaired", key))
            )
        accepted = replace(found, status="repairing", quote_accepted=True)
        sandbox.repair.save(accepted, key=key)
        _repair_later(sandbox, accepted.id)
        return JSONResponse(_json(accepted))

    return await sandbox.faults.around("repair", commit)
