"""Simulated carrier: idempotent labels (PDF + QR), voids before pickup, tracking events as webhooks."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from sandbox.labels import FontMissing, LabelData, address_lines, find_font, qr_png, render_pdf
from sandbox.state import Sandbox, SandboxDep, error, fingerprint, new_id, replay
from sandbox.store import Shipment, TrackingEvent, iso, utcnow

router = APIRouter(prefix="/carrier", tags=["carrier"])

CARRIER_NAME = "Sandbox Express"
MAIN_PATH = ("label_created", "picked_up", "in_transit", "delivered")
MISHAPS = ("exception", "lost", "damaged")  # happen on the way, after the parcel is in transit
TERMINAL = ("delivered", "lost", "damaged", "voided")
Status = Literal["picked_up", "in_transit", "delivered", "exception", "lost", "damaged"]
# The return tariff per billing currency, in minor units: a base price plus a price per started 500 g; express
# costs twice as much. A label asked in a currency not listed here is billed in CNY.
TARIFF = {
    "CNY": (1_200, 200),
    "HKD": (3_500, 500),
    "TWD": (9_000, 1_500),
    "JPY": (900, 150),
    "USD": (500, 100),
    "EUR": (450, 100),
    "GBP": (400, 80),
}
BILLED_BY_DEFAULT = "CNY"


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    state: str | None = Field(None, max_length=100)
    postal_code: str | None = Field(None, max_length=20)  # Hong Kong and Macau have none
    country: str = Field(pattern=r"^[A-Z]{2}$")
    phone: str | None = Field(None, max_length=40)


class LabelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=200)
    from_address: Address
    to_address: Address
    weight_g: StrictInt = Field(gt=0, le=70_000)
    service: Literal["standard", "express"] = "standard"
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")  # the shipper's billing currency


class AdvanceIn(BaseModel):
    to: Status


def label_url(request: Request, tracking: str) -> str:
    """Where the printable label of a shipment is downloaded."""
    return str(request.url_for("label_pdf", tracking=tracking))


def label_price(weight_g: int, service: str, currency: str | None) -> dict[str, Any]:
    """What a label costs by the tariff, in the currency asked for (CNY if the tariff has none for it)."""
    billed = currency if currency in TARIFF else BILLED_BY_DEFAULT
    base, per_half_kilo = TARIFF[billed]
    amount = base + per_half_kilo * -(-weight_g // 500)
    return {"amount": amount * (2 if service == "express" else 1), "currency": billed}


def _label_json(request: Request, s: Shipment, currency: str | None = None, *, priced: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "tracking_number": s.tracking_number,
        "status": s.status,
        "reference": s.reference,
        "service": s.service,
        "label_url": label_url(request, s.tracking_number),
        "qr_url": str(request.url_for("label_qr", tracking=s.tracking_number)),
    }
    if priced:  # the answer to buying it (or buying it again with the same key) says what it costs
        out["price"] = label_price(s.weight_g, s.service, currency)
    return out


def _new_tracking_number() -> str:
    return f"SBX{secrets.randbelow(10**12):012d}CN"


def _step(current: str, target: str) -> list[str] | None:
    """Statuses to emit, in order, to go from `current` to `target`; None when not allowed."""
    if current in TERMINAL or current == target:
        return None
    rank = MAIN_PATH.index("in_transit") if current == "exception" else MAIN_PATH.index(current)
    if target in MISHAPS:
        return [*MAIN_PATH[rank + 1 : MAIN_PATH.index("in_transit") + 1], target]
    wanted = MAIN_PATH.index(target)
    if current == "exception" and target == "in_transit":
        return ["in_transit"]  # the parcel moves again after an exception
    return list(MAIN_PATH[rank + 1 : wanted + 1]) or None


def _location(shipment: Shipment, status: str) -> str | None:
    if status == "picked_up":
        return str(shipment.from_address["city"])
    if status == "delivered":
        return str(shipment.to_address["city"])
    return None if status in ("label_created", "lost") else "Sandbox sorting hub"


def _record(sandbox: Sandbox, shipment: Shipment, statuses: list[str]) -> list[TrackingEvent]:
    """Store and emit events, each strictly later than the one before, even within a millisecond."""
    past = sandbox.store.events(shipment.tracking_number)
    moment = utcnow()
    if past:
        moment = max(moment, datetime.fromisoformat(past[-1].occurred_at) + timedelta(milliseconds=1))
    events = []
    for i, status in enumerate(statuses):
        at = iso(moment + timedelta(milliseconds=i))
        events.append(
            TrackingEvent(
                new_id("evt"), shipment.tracking_number, len(past) + i + 1, status, at, _location(shipment, status)
            )
        )
    sandbox.store.add_events(shipment.tracking_number, events)
    for e in events:
        payload: dict[str, Any] = {
            "event_id": e.event_id,
            "tracking_number": e.tracking_number,
            "reference": shipment.reference,
            "status": e.status,
            "occurred_at": e.occurred_at,
        }
        if e.location is not None:
            payload["location"] = e.location
        sandbox.webhooks.emit("carrier", payload)
    return events


@router.post("/labels", status_code=201)
async def create_label(
    body: LabelIn,
    request: Request,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """Buy a label once per Idempotency-Key; the shipment starts at label_created."""
    # A label asked without a currency prints as before it could be asked with one, so old keys still replay.
    body_print = fingerprint(body.model_dump(exclude={"currency"} if body.currency is None else None))

    def commit() -> Response:
        if idempotency_key:
            replayed = replay(
                sandbox,
                "labels",
                idempotency_key,
                body_print,
                lambda tracking: _label_json(
                    request, _existing(sandbox.store.shipment(tracking)), body.currency, priced=True
                ),
            )
            if replayed is not None:
                return replayed
        shipment = open_shipment(
            sandbox,
            reference=body.reference,
            from_address=body.from_address.model_dump(),
            to_address=body.to_address.model_dump(),
            weight_g=body.weight_g,
            service=body.service,
            idempotency_key=idempotency_key or None,
            body_print=body_print,
        )
        return JSONResponse(_label_json(request, shipment, body.currency, priced=True), status_code=201)

    return await sandbox.faults.around("carrier", commit)


def open_shipment(
    sandbox: Sandbox,
    *,
    reference: str,
    from_address: dict[str, Any],
    to_address: dict[str, Any],
    weight_g: int,
    service: str = "standard",
    idempotency_key: str | None = None,
    body_print: str = "",
) -> Shipment:
    """Store a new shipment at label_created and tell Rebound so (return labels and outbound parcels alike)."""
    shipment = Shipment(
        _new_tracking_number(), reference, service, "label_created", from_address, to_address, weight_g, iso(utcnow())
    )
    sandbox.store.add_shipment(shipment, idempotency_key, body_print)
    _record(sandbox, shipment, ["label_created"])
    return shipment


def _shipment_or_404(sandbox: Sandbox, tracking: str) -> Shipment | Response:
    shipment = sandbox.store.shipment(tracking)
    return shipment if shipment else error(404, "shipment_not_found", f"no shipment {tracking}")


@router.get("/labels/{tracking}.pdf", name="label_pdf")
async def label_pdf(tracking: str, sandbox: SandboxDep) -> Response:
    found = _shipment_or_404(sandbox, tracking)
    if not isinstance(found, Shipment):
        return found
    try:
        font = find_font(sandbox.config.label_font_path, sandbox.config.label_font_index)
    except FontMissing as exc:
        return error(503, "label_font_missing", str(exc))
    data = LabelData(
        found.tracking_number,
        CARRIER_NAME,
        found.service,
        found.reference,
        address_lines(found.from_address),
        address_lines(found.to_address),
        found.weight_g,
        found.created_at,
        found.status == "voided",
    )
    pdf = await asyncio.to_thread(render_pdf, data, *font)  # font parsing would stall the loop
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{tracking}.pdf"'}
    )


@router.get("/labels/{tracking}/qr.png", name="label_qr")
async def label_qr(tracking: str, sandbox: SandboxDep) -> Response:
    found = _shipment_or_404(sandbox, tracking)
    if not isinstance(found, Shipment):
        return found
    return Response(qr_png(found.tracking_number), media_type="image/png")


@router.post("/labels/{tracking}/void")
async def void_label(tracking: str, request: Request, sandbox: SandboxDep) -> Response:
    """Cancel an unused label; once the parcel is picked up it can no longer be voided."""

    def commit() -> Response:
        found = _shipment_or_404(sandbox, tracking)
        if not isinstance(found, Shipment):
            return found
        if found.status not in ("label_created", "voided"):
            return error(409, "already_picked_up", f"{tracking} is {found.status}; it cannot be voided")
        sandbox.store.set_shipment_status(tracking, "voided")
        return JSONResponse({**_label_json(request, found), "status": "voided"})

    return await sandbox.faults.around("carrier", commit)


@router.post("/shipments/{tracking}/advance")
async def advance(tracking: str, body: AdvanceIn, sandbox: SandboxDep) -> Response:
    """Move the parcel to `to`, emitting every event on the way, in order (dev and test control)."""
    found = _shipment_or_404(sandbox, tracking)
    if not isinstance(found, Shipment):
        return found
    statuses = _step(found.status, body.to)
    if statuses is None:
        return error(409, "invalid_transition", f"{tracking} is {found.status}; cannot go to {body.to}")
    events = _record(sandbox, found, statuses)
    return JSONResponse(_shipment_json(sandbox, tracking, emitted=[e.event_id for e in events]))


def _shipment_json(sandbox: Sandbox, tracking: str, emitted: list[str] | None = None) -> dict[str, Any]:
    shipment = sandbox.store.shipment(tracking)
    assert shipment is not None
    out: dict[str, Any] = {
        "tracking_number": tracking,
        "status": shipment.status,
        "reference": shipment.reference,
        "service": shipment.service,
        "weight_g": shipment.weight_g,
        "created": shipment.created_at,
        "events": [
            {"event_id": e.event_id, "status": e.status, "occurred_at": e.occurred_at, "location": e.location}
            for e in sandbox.store.events(tracking)
        ],
    }
    if emitted is not None:
        out["emitted"] = emitted
    return out


@router.get("/shipments/{tracking}")
async def get_shipment(tracking: str, sandbox: SandboxDep) -> Response:
    found = _shipment_or_404(sandbox, tracking)
    if not isinstance(found, Shipment):
        return found
    return JSONResponse(_shipment_json(sandbox, tracking))


def _existing(shipment: Shipment | None) -> Shipment:
    assert shipment is not None  # the idempotency record points at a shipment stored with it
    return shipment
