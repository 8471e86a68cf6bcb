"""One JSON call to a partner, with every failure mapped to a transient or a permanent PartnerError."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from integrations.errors import PermanentPartnerError, TransientPartnerError

# Statuses that mean "not now" rather than "no": the request may or may not have been applied.
RETRYABLE_4XX = frozenset({408, 425, 429})

M = TypeVar("M", bound=BaseModel)


class PartnerClient:
    """A base URL, a (possibly shared) httpx client, and an overall deadline per call."""

    def __init__(self, partner: str, base_url: str, client: httpx.AsyncClient | None, timeout_s: float) -> None:
        self.partner = partner
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._owned = client is None
        self._client = client if client is not None else httpx.AsyncClient()

    async def aclose(self) -> None:
        if self._owned:
            await self._client.aclose()

    def parse(self, model: type[M], body: Any) -> M:
        """A typed partner answer; a malformed one is retryable (the key makes the retry safe)."""
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            raise TransientPartnerError(self.partner, "invalid_response", str(exc)) from exc

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """(status, decoded JSON) of a 2xx answer; raises TransientPartnerError or PermanentPartnerError."""
        try:
            # httpx's timeout is per phase; the outer deadline bounds a server that answers slowly.
            async with asyncio.timeout(self.timeout_s):
                response = await self._client.request(
                    method, self.base_url + path, json=json, params=params, headers=headers, timeout=self.timeout_s
                )
        except TimeoutError:
            raise TransientPartnerError(self.partner, "timeout", f"no answer within {self.timeout_s}s") from None
        except httpx.TimeoutException as exc:
            raise TransientPartnerError(self.partner, "timeout", str(exc)) from exc
        except httpx.TransportError as exc:
            raise TransientPartnerError(self.partner, "unreachable", f"{type(exc).__name__}: {exc}") from exc
        body = _json_or_none(response)
        status = response.status_code
        if response.is_success:
            if body is None:
                raise TransientPartnerError(self.partner, "invalid_response", "answer is not JSON", status=status)
            return status, body
        code = body.get("error") if isinstance(body, dict) else None
        detail = body.get("detail") if isinstance(body, dict) else None
        fields = body.get("fields") if isinstance(body, dict) else None
        code = code if isinstance(code, str) else f"http_{status}"
        detail = detail if isinstance(detail, str) else response.reason_phrase
        fields = {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else None
        if status >= 500 or status in RETRYABLE_4XX:
            raise TransientPartnerError(self.partner, code, detail, status=status, fields=fields)
        raise PermanentPartnerError(self.partner, code, detail, status=status, fields=fields)

    async def download(self, path: str) -> bytes:
        """The raw body of a 2xx answer (labels, documents); any failure is a TransientPartnerError."""
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await self._client.get(self.base_url + path, timeout=self.timeout_s)
        except (TimeoutError, httpx.HTTPError) as exc:
            raise TransientPartnerError(self.partner, "unreachable", f"{type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise TransientPartnerError(self.partner, f"http_{response.status_code}", response.reason_phrase)
        return response.content


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
