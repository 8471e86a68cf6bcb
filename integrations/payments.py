"""Payment provider adapter: refunds to the original payment, authorisations and charges on the card on file,
each exactly once per idempotency key."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, StrictInt

from integrations._http import PartnerClient
from integrations.errors import PermanentPartnerError, TransientPartnerError

__all__ = [
    "Authorization",
    "AuthorizationStatus",
    "Charge",
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


class AuthorizationStatus(StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"


class Authorization(BaseModel):
    """A hold on the card of `source_charge_id`; once captured, `charge_id` is the charge it became."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    status: AuthorizationStatus
    amount: StrictInt
    currency: str
    reference: str
    source_charge_id: str
    charge_id: str | None = None


class Charge(BaseModel):
    """A captured charge; `source_charge_id` is the earlier charge whose card paid it (merchant-initiated)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    amount: StrictInt
    currency: str
    reference: str | None = None
    source_charge_id: str | None = None


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

    async def authorize(
        self, *, idempotency_key: str, source_charge_id: str, amount: int, currency: str, reference: str
    ) -> Authorization:
        """Hold an amount on the card of an earlier charge; PermanentPartnerError('card_declined') when refused."""
        ...

    async def capture(self, authorization_id: str) -> Authorization:
        """Take the held amount (a charge, in `charge_id`); capturing again answers the same charge."""
        ...

    async def void_authorization(self, authorization_id: str) -> Authorization:
        """Let the hold go; PermanentPartnerError('already_captured') once it was captured."""
        ...

    async def charge(
        self, *, idempotency_key: str, source_charge_id: str, amount: int, currency: str, reference: str
    ) -> Charge:
        """Charge the card of an earlier charge at once (merchant-initiated); the same key, the same charge."""
        ...


def _check_money(amount: int, idempotency_key: str, what: str) -> None:
    if type(amount) is not int:  # bool and float never pass as money
        raise TypeError(f"amount must be int minor units, got {type(amount).__name__}")
    if amount <= 0:
        raise ValueError(f"{what} amount must be positive")
    if not idempotency_key:
        raise ValueError(f"{what} needs an idempotency key")


class HttpPaymentProvider:
    """PaymentProvider over the provider's HTTP API (the sandbox in dev and tests)."""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None, *, timeout_s: float = 5) -> None:
        self._http = PartnerClient("payments", base_url, client, timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def create_refund(
        self, *, idempotency_key: str, charge_id: str, amount: int, currency: str, reference: str
    ) -> RefundResult:
        _check_money(amount, idempotency_key, "a refund")
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

    async def authorize(
        self, *, idempotency_key: str, source_charge_id: str, amount: int, currency: str, reference: str
    ) -> Authorization:
        _check_money(amount, idempotency_key, "an authorisation")
        body = await self._on_card(
            "/payments/authorizations", idempotency_key, source_charge_id, amount, currency, reference
        )
        return self._http.parse(Authorization, body)

    async def capture(self, authorization_id: str) -> Authorization:
        _, body = await self._http.call("POST", f"/payments/authorizations/{quote(authorization_id, safe='')}/capture")
        return self._http.parse(Authorization, body)

    async def void_authorization(self, authorization_id: str) -> Authorization:
        _, body = await self._http.call("POST", f"/payments/authorizations/{quote(authorization_id, safe='')}/void")
        return self._http.parse(Authorization, body)

    async def charge(
        self, *, idempotency_key: str, source_charge_id: str, amount: int, currency: str, reference: str
    ) -> Charge:
        _check_money(amount, idempotency_key, "a charge")
        body = await self._on_card("/payments/charges", idempotency_key, source_charge_id, amount, currency, reference)
        return self._http.parse(Charge, body)

    async def _on_card(
        self, path: str, idempotency_key: str, source_charge_id: str, amount: int, currency: str, reference: str
    ) -> Any:
        """POST a request for money on the card of an earlier charge; the decoded answer."""
        _, body = await self._http.call(
            "POST",
            path,
            headers={"Idempotency-Key": idempotency_key},
            json={"source_charge_id": source_charge_id, "amount": amount, "currency": currency, "reference": reference},
        )
        return body
