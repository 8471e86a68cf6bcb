"""The partner's side of webhook signing: what a real provider does before calling Rebound."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Rebound-Signature"


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"
