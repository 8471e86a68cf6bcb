"""Signed, expiring bearer tokens for staff (HMAC-SHA256 over a small JSON claim set)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

from domain.errors import Unauthorized


@dataclass(frozen=True)
class Claims:
    subject: str
    role: str
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(secret: str, subject: str, role: str, *, now: int, ttl_s: int = 8 * 3600) -> str:
    payload = _b64(json.dumps({"sub": subject, "role": role, "exp": now + ttl_s}, separators=(",", ":")).encode())
    mac = _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{mac}"


def read(secret: str, token: str, *, now: int) -> Claims:
    """The token's claims; Unauthorized when it is forged, malformed or expired."""
    payload, _, mac = token.partition(".")
    expected = _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac, expected):
        raise Unauthorized("invalid token", code="invalid_token")
    try:
        data = json.loads(_unb64(payload))
        claims = Claims(subject=str(data["sub"]), role=str(data["role"]), expires_at=int(data["exp"]))
    except (ValueError, KeyError, TypeError):
        raise Unauthorized("invalid token", code="invalid_token") from None
    if claims.expires_at <= now:
        raise Unauthorized("the token has expired: sign in again", code="token_expired")
    return claims
