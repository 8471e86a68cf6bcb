"""Insurer adapter: claims filed once per idempotency key, requests for more evidence answered."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict

from integrations._http import PartnerClient


class InsurerClaim(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    status: str  # submitted | more_evidence | approved | partial | denied


class Insurer(Protocol):
    async def file(self, *, idempotency_key: str, claim: dict[str, Any]) -> InsurerClaim:
        """File the claim; the same key always answers the first filing."""
        ...

    async def send_evidence(self, claim_id: str, *, idempotency_key: str, note: str) -> InsurerClaim:
        """Answer a request for more evidence; the insurer decides again."""
        ...


class HttpInsurer:
    """The insurer over its HTTP API (the sandbox in dev and tests)."""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None, *, timeout_s: float = 5) -> None:
        self._http = PartnerClient("insurer", base_url, client, timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def file(self, *, idempotency_key: str, claim: dict[str, Any]) -> InsurerClaim:
        _, body = await self._http.call(
            "POST", "/insurer/claims", headers={"Idempotency-Key": idempotency_key}, json=claim
        )
        return self._http.parse(InsurerClaim, body)

    async def send_evidence(self, claim_id: str, *, idempotency_key: str, note: str) -> InsurerClaim:
        _, body = await self._http.call(
            "POST",
            f"/insurer/claims/{quote(claim_id, safe='')}/evidence",
            headers={"Idempotency-Key": idempotency_key},
            json={"note": note},
        )
        return self._http.parse(InsurerClaim, body)
