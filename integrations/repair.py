"""Repair centre adapter: repair orders filed once per idempotency key, out-of-warranty quotes answered. The
centre's verdicts arrive as signed webhooks."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, StrictInt

from integrations._http import PartnerClient
from integrations.carriers import Address


class RepairStatus(StrEnum):
    RECEIVED = "received"
    QUOTE_PENDING = "quote_pending"  # out of warranty: waiting for Rebound's answer
    REPAIRING = "repairing"  # the quote was accepted
    REPAIRED = "repaired"  # and shipped back
    NOT_REPAIRABLE = "not_repairable"  # the centre keeps the unit
    RETURNED_UNREPAIRED = "returned_unrepaired"  # the quote was declined; shipped back as it came


class RepairQuote(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    amount: StrictInt  # minor units
    currency: str


class RepairOrder(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    status: RepairStatus
    reference: str
    case_number: str
    sku: str
    quote: RepairQuote | None = None
    note: str | None = None
    tracking_number: str | None = None  # the parcel back to the customer


class RepairCentre(Protocol):
    async def create_order(
        self, *, idempotency_key: str, reference: str, case_number: str, sku: str, fault: str, return_address: Address
    ) -> RepairOrder:
        """Send a unit in for repair; the same key always answers the same order."""
        ...

    async def answer_quote(self, repair_id: str, accepted: bool) -> RepairOrder:
        """Accept (repair it) or decline (send it back unrepaired) an out-of-warranty quote; the same answer again
        answers the same, PermanentPartnerError('no_quote_pending') when no quote waits for one."""
        ...

    async def get(self, repair_id: str) -> RepairOrder: ...


class HttpRepairCentre:
    """The repair centre over its HTTP API (the sandbox in dev and tests)."""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None, *, timeout_s: float = 5) -> None:
        self._http = PartnerClient("repair", base_url, client, timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def create_order(
        self, *, idempotency_key: str, reference: str, case_number: str, sku: str, fault: str, return_address: Address
    ) -> RepairOrder:
        if not idempotency_key:
            raise ValueError("a repair order needs an idempotency key")
        _, body = await self._http.call(
            "POST",
            "/repair/orders",
            headers={"Idempotency-Key": idempotency_key},
            json={
                "reference": reference,
                "case_number": case_number,
                "sku": sku,
                "fault": fault,
                "return_address": return_address.model_dump(exclude_none=True),
            },
        )
        return self._http.parse(RepairOrder, body)

    async def answer_quote(self, repair_id: str, accepted: bool) -> RepairOrder:
        _, body = await self._http.call(
            "POST", f"/repair/orders/{quote(repair_id, safe='')}/quote", json={"accepted": accepted}
        )
        return self._http.parse(RepairOrder, body)

    async def get(self, repair_id: str) -> RepairOrder:
        _, body = await self._http.call("GET", f"/repair/orders/{quote(repair_id, safe='')}")
        return self._http.parse(RepairOrder, body)
