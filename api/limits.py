"""Rate limits at the edge: one attempt of this client counted under each named bucket (client IP, username,
order number); past a limit the caller gets 429 with Retry-After and nothing is read or written."""

from __future__ import annotations

import math
import time

from fastapi import Request
from fastapi.responses import Response

from api.audited import client_ip
from core.rate_limit import SlidingWindow
from core.settings import Settings
from domain.errors import RateLimited


class TooManyAttempts(RateLimited):
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


def _limiter(request: Request) -> SlidingWindow:
    found: SlidingWindow | None = getattr(request.app.state, "rate_limiter", None)
    if found is None:  # one per app (so per process); tests get a fresh one with each app
        found = request.app.state.rate_limiter = SlidingWindow()
    return found


def check_rate(request: Request, settings: Settings, detail: str = "", **keys: str | None) -> None:
    """Count this attempt under each `bucket=key` (the IP under `*_ip` is filled in); TooManyAttempts past a limit.
    `detail` is what the person is told (pages pass it translated); the wait is appended for API callers."""
    keyed = {
        bucket: (client_ip(request) or "unknown") if bucket.endswith("_ip") else key for bucket, key in keys.items()
    }
    checks = [
        (bucket, key.strip().lower(), getattr(settings.rate_limits, bucket)) for bucket, key in keyed.items() if key
    ]
    wait = _limiter(request).attempt(checks, time.monotonic())
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise TooManyAttempts(detail or f"too many attempts: try again in {seconds} seconds", retry_after_s=seconds)


def with_retry_after(response: Response, refused: TooManyAttempts) -> Response:
    """A page answering a refused attempt: 429 with the wait in Retry-After."""
    response.status_code = 429
    response.headers["Retry-After"] = str(refused.retry_after_s)
    return response
