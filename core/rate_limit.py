"""An in-process sliding-window rate limiter: how many attempts one client (an IP, a username, an order number)
made in the last window. Per process: N API replicas each count on their own (see README, "Rate limits")."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from pydantic import BaseModel, Field


class RateLimit(BaseModel):
    """At most `limit` attempts per `window_s` seconds."""

    limit: int = Field(ge=1)
    window_s: int = Field(ge=1)


@dataclass
class SlidingWindow:
    """Attempt times per (bucket, key); only attempts that were let through are recorded."""

    max_keys: int = 100_000  # beyond this, expired keys are swept (bounded memory under a spray of keys)
    _hits: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def attempt(self, checks: list[tuple[str, str, RateLimit]], now: float) -> float | None:
        """Record one attempt against every (bucket, key) if all are within their limits and answer None;
        otherwise record nothing and answer the seconds until the first refusing bucket has room again."""
        waits = [self._wait(bucket, key, rule, now) for bucket, key, rule in checks]
        refused = [w for w in waits if w is not None]
        if refused:
            return max(refused)
        for bucket, key, _ in checks:
            self._hits.setdefault((bucket, key), deque()).append(now)
        if len(self._hits) > self.max_keys:
            self._sweep(now, max(rule.window_s for _, _, rule in checks))
        return None

    def _wait(self, bucket: str, key: str, rule: RateLimit, now: float) -> float | None:
        seen = self._hits.get((bucket, key))
        if seen is None:
            return None
        while seen and seen[0] <= now - rule.window_s:
            seen.popleft()
        if len(seen) < rule.limit:
            return None
        return seen[len(seen) - rule.limit] + rule.window_s - now

    def _sweep(self, now: float, window_s: int) -> None:
        for name in [k for k, seen in self._hits.items() if not seen or seen[-1] <= now - window_s]:
            del self._hits[name]


class RateLimits(BaseModel):
    """Every limited action, by bucket name; override one with e.g. REBOUND_RATE_LIMITS__LOGIN_IP='{"limit": 5,
    "window_s": 60}'."""

    # staff sign-in (page and API): guessing passwords from one address, or against one account from many
    login_ip: RateLimit = RateLimit(limit=20, window_s=300)
    login_user: RateLimit = RateLimit(limit=10, window_s=300)
    # the portal's find-your-order form and signed start links: guessing order numbers and contacts
    lookup_ip: RateLimit = RateLimit(limit=30, window_s=300)
    lookup_order: RateLimit = RateLimit(limit=10, window_s=300)
    # return creation: the portal per customer address; a storefront's API key posts for all its customers from
    # a few servers, so it is counted per key (a peak-season burst must pass), and revoked if it leaks
    create_ip: RateLimit = RateLimit(limit=120, window_s=60)
    create_key: RateLimit = RateLimit(limit=6000, window_s=60)
    create_order: RateLimit = RateLimit(limit=10, window_s=3600)
