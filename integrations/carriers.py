"""Carrier adapter: return labels bought once per idempotency key, and voided when unused."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from integrations._http import PartnerClient


class Address(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    line1: str
    city: str
    country: str  # ISO-3166 alpha-2
    postal_code: str | None = None  # Hong Kong and Macau have none
    line2: str | None = None
    state: str | None = None
    phone: str | None = None


class LabelPrice(BaseModel):
    """What the carrier bills for a label, in minor units of `currency`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    amount: StrictInt = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class Label(BaseModel):
    """A bought label: where to download it, the tracking number its events will carry, and its price (None
    when the carrier does not say)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    tracking_number: str
    status: str
    label_url: str
    qr_url: str
    reference: str
    price: LabelPrice | None = None


class Carrier(Protocol):
    async def create_label(
        self,
        *,
        idempotency_key: str,
        reference: str,
        from_address: Address,
        to_address: Address,
        weight_g: int,
        currency: str | None = None,
    ) -> Label:
        """Buy a label, billed in `currency` when the carrier can; the same key always returns the same label."""
        ...

    async def void_label(self, tracking_number: str) -> None:
        """Cancel an unused label; PermanentPartnerError('already_picked_up') once it has moved."""
        ...

    async def label_pdf(self, tracking_number: str) -> bytes:
        """The printable label of a bought shipment."""
        ...


class HttpCarrier:
    """Carrier over the carrier's HTTP API (the sandbox in dev and tests)."""

    def __init__(
        self, base_url: str, client: httpx.AsyncClient | None = None, *, timeout_s: float = 5, service: str = "standard"
    ) -> None:
        self._http = PartnerClient("carrier", base_url, client, timeout_s)
        self._service = service

    async def aclose(self) -> None:
        await self._http.aclose()

    async def create_label(
        self,
        *,
        idempotency_key: str,
        reference: str,
        from_address: Address,
        to_address: Address,
        weight_g: int,
        currency: str | None = None,
    ) -> Label:
        if type(weight_g) is not int or weight_g <= 0:
            raise ValueError("weight_g must be a positive int")
        request: dict[str, object] = {
            "reference": reference,
            "service": self._service,
            "weight_g": weight_g,
            "from_address": from_address.model_dump(exclude_none=True),
            "to_address": to_address.model_dump(exclude_none=True),
        }
        if currency is not None:
            request["currency"] = currency
        _, body = await self._http.call(
            "POST", "/carrier/labels", headers={"Idempotency-Key": idempotency_key}, json=request
        )
        return self._http.parse(Label, body)

    async def void_label(self, tracking_number: str) -> None:
        await self._http.call("POST", f"/carrier/labels/{quote(tracking_number, safe='')}/void")

    async def label_pdf(self, tracking_number: str) -> bytes:
        return await self._http.download(f"/carrier/labels/{quote(tracking_number, safe='')}.pdf")
