"""Customs broker adapter: declarations filed once per idempotency key, holds answered with documents."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict

from integrations._http import PartnerClient


class BrokerDeclaration(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    reference: str
    status: str  # submitted | held | cleared | refused
    note: str | None = None


class CustomsBroker(Protocol):
    async def submit(self, *, idempotency_key: str, declaration: dict[str, Any]) -> BrokerDeclaration:
        """File the declaration; the same key always answers the first filing."""
        ...

    async def send_documents(self, declaration_id: str, *, idempotency_key: str, note: str) -> BrokerDeclaration:
        """Answer a hold; the broker examines the declaration again."""
        ...


class HttpCustomsBroker:
    """The broker over its HTTP API (the sandbox in dev and tests)."""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None, *, timeout_s: float = 5) -> None:
        self._http = PartnerClient("customs", base_url, client, timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def submit(self, *, idempotency_key: str, declaration: dict[str, Any]) -> BrokerDeclaration:
        _, body = await self._http.call(
            "POST", "/customs/declarations", headers={"Idempotency-Key": idempotency_key}, json=declaration
        )
        return self._http.parse(BrokerDeclaration, body)

    async def send_documents(self, declaration_id: str, *, idempotency_key: str, note: str) -> BrokerDeclaration:
        _, body = await self._http.call(
            "POST",
            f"/customs/declarations/{quote(declaration_id, safe='')}/documents",
            headers={"Idempotency-Key": idempotency_key},
            json={"note": note},
        )
        return self._http.parse(BrokerDeclaration, body)
