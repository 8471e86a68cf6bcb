"""Payment provider adapter: refunds to the original payment, exactly once per idempotency key."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, StrictInt

from integrations._http import PartnerClient
from integrations.errors import PermanentPartnerError, TransientPartnerError

__all__ = [
    "HttpPaymentProvider",
    "PaymentProvider",
    "PermanentPartnerError",
    "RefundResult",
    "RefundStatus",
    "TransientPartnerError",
]


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RefundResult(BaseModel):
    """A refund as the provider holds it; amount in minor units of `currency`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    status: RefundStatus
    amount: StrictInt
    currency: str
    charge_id: str
    reference: str
    failure_reason: str | None = None


class PaymentProvider(Protocol):
    async def create_refund(
        self, *, idempotency_key: str, charge_id: str, amount: int, currency: str, reference: str
    ) -> RefundResult:
        """Ask for a refund; the same key always means the same single refund."""
        ...

    async def get_refund(self, refund_id: str) -> RefundResult: ...

    async def find_refunds(self, reference: str) -> list[RefundResult]:
        """Refunds whose reference or idempotency key is `reference`: what was really paid out."""
        ...


class HttpPaymentProvider:
    """PaymentProvider over the provider's HTTP API (the sandbox in dev and tests)."""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None, *, timeout_s: float = 5) -> None:
        self._http = PartnerClient("payments", base_url, client, timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def create_refund(
        self, *, idempotency_key: str, charge_id: str, amount: int, currency: str, reference: str
    ) -> RefundResult:
        if type(amount) is not int:  # bool and float never pass as money
            raise TypeError(f"amount must be int minor units, got {type(amount).__name__}")
        if amount <= 0:
            raise ValueError("a refund amount must be positive")
        if not idempotency_key:
            raise ValueError("a refund needs an idempotency key")
        _, body = await self._http.call(
            "POST",
            "/payments/refunds",
            headers={"Idempotency-Key": idempotency_key},
            json={"charge_id": charge_id, "amount": amount, "currency": currency, "reference": reference},
        )
        return self._http.parse(RefundResult, body)

    async def get_refund(self, refund_id: str) -> RefundResult:
        _, body = await self._http.call("GET", f"/payments/refunds/{quote(refund_id, safe='')}")
        return self._http.parse(RefundResult, body)

    async def find_refunds(self, reference: str) -> list[RefundResult]:
        _, body = await self._http.call("GET", "/payments/refunds", params={"reference": reference})
        if not isinstance(body, list):
            raise TransientPartnerError("payments", "invalid_response", "expected a list of refunds")
        return [self._http.parse(RefundResult, item) for item in body]
