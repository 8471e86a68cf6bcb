"""Simulated warehouse (WMS): stock per SKU, all-or-nothing reservations, and shipping a reservation as an
outbound parcel with the carrier, whose tracking reaches Rebound like a return label's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from sandbox.carrier import Address, label_url, open_shipment
from sandbox.state import Sandbox, SandboxDep, error, fingerprint, new_id, replay, stored
from sandbox.store import iso, utcnow
from sandbox.warehouse_books import Reservation, Stock

router = APIRouter(prefix="/warehouse", tags=["warehouse"])

WAREHOUSE_ADDRESS = Address(
    name="Sandbox Fulfilment Centre",
    line1="8 Logistics Avenue",
    line2="Dock 3",
    city="Shenzhen",
    postal_code="518000",
    country="CN",
).model_dump()
UNIT_WEIGHT_G = 500  # the sandbox knows no product weights; every unit weighs the same
MAX_PARCEL_G = 70_000


class StockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on_hand: StrictInt = Field(ge=0)
    shippable: StrictBool = True  # false: the stock turns out damaged when picked


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=100)
    quantity: StrictInt = Field(gt=0)


class ReservationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=200)
    items: list[Item] = Field(min_length=1, max_length=100)


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_address: Address


def _stock_json(s: Stock) -> dict[str, Any]:
    return {
        "sku": s.sku,
        "on_hand": s.on_hand,
        "reserved": s.reserved,
        "available": s.available,
        "shippable": s.shippable,
    }


def _json(request: Request, r: Reservation) -> dict[str, Any]:
    return {
        "id": r.id,
        "status": r.status,
        "reference": r.reference,
        "items": [{"sku": sku, "quantity": quantity} for sku, quantity in r.items],
        "tracking_number": r.tracking_number,
        "label_url": label_url(request, r.tracking_number) if r.tracking_number else None,
        "created": r.created_at,
    }


@router.put("/stock/{sku}")
async def set_stock(sku: str, body: StockIn, sandbox: SandboxDep) -> dict[str, Any]:
    """Control: set what is on the shelf for an SKU and whether it can be shipped (dev and tests)."""
    sandbox.warehouse.set_stock(sku, body.on_hand, body.shippable)
    return _stock_json(sandbox.warehouse.stock(sku))


@router.get("/stock/{sku}")
async def get_stock(sku: str, sandbox: SandboxDep) -> dict[str, Any]:
    """What is on hand for an SKU, how much of it reservations hold, and what is free to reserve."""
    return _stock_json(sandbox.warehouse.stock(sku))


@router.post("/reservations", status_code=201)
async def reserve(
    body: ReservationIn,
    request: Request,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """Hold stock for every item, or for none when one is short; once per Idempotency-Key."""
    if not idempotency_key:
        return error(400, "idempotency_key_required", "send an Idempotency-Key header with every reservation")
    body_print = fingerprint(body.model_dump())
    key = idempotency_key

    def commit() -> Response:
        books = sandbox.warehouse
        replayed = replay(sandbox, "reservations", key, body_print, lambda rid: _json(request, stored(books.get(rid))))
        if replayed is not None:
            return replayed
        wanted: dict[str, int] = {}
        for item in body.items:  # the same SKU on two lines needs both quantities
            wanted[item.sku] = wanted.get(item.sku, 0) + item.quantity
        available = {sku: books.stock(sku).available for sku in wanted}
        short = {sku: f"{available[sku]} available" for sku, quantity in wanted.items() if available[sku] < quantity}
        if short:
            detail = f"not enough stock of {', '.join(short)}; nothing was reserved"
            return error(409, "out_of_stock", detail, short)
        items = tuple((item.sku, item.quantity) for item in body.items)
        reservation = Reservation(new_id("rsv"), body.reference, "reserved", items, None, iso(utcnow()))
        books.add(reservation, key, body_print)
        return JSONResponse(_json(request, reservation), status_code=201)

    return await sandbox.faults.around("warehouse", commit)


def _reservation_or_404(sandbox: Sandbox, reservation_id: str) -> Reservation | Response:
    found = sandbox.warehouse.get(reservation_id)
    return found if found else error(404, "reservation_not_found", f"no reservation {reservation_id}")


@router.get("/reservations/{reservation_id}")
async def get_reservation(reservation_id: str, request: Request, sandbox: SandboxDep) -> Response:
    """The reservation as the warehouse holds it (reserved, released, or shipped with its tracking number)."""
    found = _reservation_or_404(sandbox, reservation_id)
    return JSONResponse(_json(request, found)) if isinstance(found, Reservation) else found


@router.post("/reservations/{reservation_id}/release")
async def release(reservation_id: str, request: Request, sandbox: SandboxDep) -> Response:
    """Give the held stock back; releasing again answers the same, a shipped reservation cannot be released."""

    def commit() -> Response:
        found = _reservation_or_404(sandbox, reservation_id)
        if not isinstance(found, Reservation):
            return found
        if found.status == "shipped":
            return error(409, "already_shipped", f"{reservation_id} has left the warehouse ({found.tracking_number})")
        sandbox.warehouse.release(found.id)
        return JSONResponse(_json(request, stored(sandbox.warehouse.get(found.id))))

    return await sandbox.faults.around("warehouse", commit)


@router.post("/reservations/{reservation_id}/ship")
async def ship(reservation_id: str, body: ShipIn, request: Request, sandbox: SandboxDep) -> Response:
    """Pick the held items and hand them to the carrier: stock leaves the shelf, a tracked parcel leaves for
    `to_address`; shipping again answers the same parcel."""

    def commit() -> Response:
        found = _reservation_or_404(sandbox, reservation_id)
        if not isinstance(found, Reservation):
            return found
        if found.status == "shipped":  # a retry after a lost answer: the same parcel
            return JSONResponse(_json(request, found))
        if found.status == "released":
            return error(409, "released", f"{reservation_id} was released; reserve the stock again")
        damaged = {sku: "not shippable" for sku, _ in found.items if not sandbox.warehouse.stock(sku).shippable}
        if damaged:
            detail = f"stock of {', '.join(damaged)} was found damaged at picking; nothing was shipped"
            return error(409, "cannot_ship", detail, damaged)
        units = sum(quantity for _, quantity in found.items)
        shipment = open_shipment(
            sandbox,
            reference=found.reference,
            from_address=WAREHOUSE_ADDRESS,
            to_address=body.to_address.model_dump(),
            weight_g=min(units * UNIT_WEIGHT_G, MAX_PARCEL_G),
        )
        sandbox.warehouse.ship(found, shipment.tracking_number)
        return JSONResponse(_json(request, stored(sandbox.warehouse.get(found.id))))

    return await sandbox.faults.around("warehouse", commit)
