"""Verify partner webhooks: HMAC-SHA256 over the timestamp and the raw body, within a replay window."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

HEADER = "Rebound-Signature"
SCHEME = "v1"


class InvalidSignature(Exception):
    """The webhook cannot be trusted: missing, malformed, wrong, or too old/new a signature."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _mac(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, now: int) -> str:
    """The header value a partner sends for `body` at `now` (unix seconds)."""
    return f"t={now},{SCHEME}={_mac(secret, body, now)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or not value:
            raise InvalidSignature("malformed signature header")
        if key == "t":
            if not value.isdigit() or timestamp is not None:
                raise InvalidSignature("malformed timestamp")
            timestamp = int(value)
        elif key == SCHEME:
            candidates.append(value)
        # Unknown schemes are skipped so a partner can add a newer one without breaking us.
    if timestamp is None or not candidates:
        raise InvalidSignature("malformed signature header")
    return timestamp, candidates


def verify(secret: str | Sequence[str], header: str | None, body: bytes, *, now: int, tolerance_s: int = 300) -> None:
    """Raise InvalidSignature unless `header` signs exactly `body` within the window with `secret` (or any of
    several: while we rotate a partner's secret, the one being replaced is still accepted)."""
    if not header:
        raise InvalidSignature("missing signature")
    timestamp, candidates = _parse(header)
    if abs(now - timestamp) > tolerance_s:
        raise InvalidSignature("timestamp outside the tolerance window")
    secrets = [secret] if isinstance(secret, str) else list(secret)
    expected = [_mac(s, body, timestamp) for s in secrets]
    # Several v1 values may be present while a partner rotates its secret; any one may match.
    if not any(hmac.compare_digest(e, c) for e in expected for c in candidates):
        raise InvalidSignature("signature mismatch")
