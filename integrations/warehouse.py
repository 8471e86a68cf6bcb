"""Warehouse (WMS) adapter: stock held once per idempotency key, released, or shipped to the customer."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt

from integrations._http import PartnerClient
from integrations.carriers import Address


class ReservationStatus(StrEnum):
    RESERVED = "reserved"
    RELEASED = "released"
    SHIPPED = "shipped"


class ReservedItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: str
    quantity: StrictInt


class Reservation(BaseModel):
    """Stock held for `reference`; once shipped, the outbound parcel's tracking number and label."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    status: ReservationStatus
    reference: str
    items: list[ReservedItem]
    tracking_number: str | None = None
    label_url: str | None = None


class Stock(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: str
    on_hand: StrictInt
    reserved: StrictInt
    available: StrictInt
    shippable: StrictBool


class Warehouse(Protocol):
    async def reserve(self, *, idempotency_key: str, reference: str, items: list[tuple[str, int]]) -> Reservation:
        """Hold every (sku, quantity) or none; PermanentPartnerError('out_of_stock') with `fields` sku -> what is
        available when one is short. The same key always answers the same reservation."""
        ...

    async def release(self, reservation_id: str) -> None:
        """Give the held stock back; PermanentPartnerError('already_shipped') once it left."""
        ...

    async def ship(self, reservation_id: str, to_address: Address) -> Reservation:
        """Send the held items to `to_address` (again: the same parcel); PermanentPartnerError('cannot_ship') for
        stock found damaged, ('released') for a released reservation."""
        ...

    async def get(self, reservation_id: str) -> Reservation: ...

    async def stock(self, sku: str) -> Stock: ...


class HttpWarehouse:
    """Warehouse over the WMS's HTTP API (the sandbox in dev and tests)."""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None, *, timeout_s: float = 5) -> None:
        self._http = PartnerClient("warehouse", base_url, client, timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def reserve(self, *, idempotency_key: str, reference: str, items: list[tuple[str, int]]) -> Reservation:
        if not idempotency_key:
            raise ValueError("a reservation needs an idempotency key")
        if not items:
            raise ValueError("a reservation needs at least one item")
        for sku, quantity in items:
            if type(quantity) is not int or quantity <= 0:  # bool and float are no quantities
                raise ValueError(f"the quantity of {sku} must be a positive int, got {quantity!r}")
        _, body = await self._http.call(
            "POST",
            "/warehouse/reservations",
            headers={"Idempotency-Key": idempotency_key},
            json={"reference": reference, "items": [{"sku": sku, "quantity": q} for sku, q in items]},
        )
        return self._http.parse(Reservation, body)

    async def release(self, reservation_id: str) -> None:
        await self._http.call("POST", f"/warehouse/reservations/{quote(reservation_id, safe='')}/release")

    async def ship(self, reservation_id: str, to_address: Address) -> Reservation:
        _, body = await self._http.call(
            "POST",
            f"/warehouse/reservations/{quote(reservation_id, safe='')}/ship",
            json={"to_address": to_address.model_dump(exclude_none=True)},
        )
        return self._http.parse(Reservation, body)

    async def get(self, reservation_id: str) -> Reservation:
        _, body = await self._http.call("GET", f"/warehouse/reservations/{quote(reservation_id, safe='')}")
        return self._http.parse(Reservation, body)

    async def stock(self, sku: str) -> Stock:
        _, body = await self._http.call("GET", f"/warehouse/stock/{quote(sku, safe='')}")
        return self._http.parse(Stock, body)
