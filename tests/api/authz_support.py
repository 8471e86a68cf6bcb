"""Callers for the authorisation matrix: who they are, how they authenticate on JSON routes and on pages, and
how an answer is read back as one of the matrix outcomes."""

from __future__ import annotations

import json
import re
from base64 import b64encode
from dataclasses import dataclass, field
from typing import Any

import httpx
import itsdangerous
from fastapi.routing import iter_route_contexts

from core.rate_limit import RateLimit, RateLimits
from core.settings import Settings
from tests.support.html import csrf_from

SCOPES = ("orders:write", "orders:read", "returns:write", "returns:read", "webhooks")
ROLES = ("agent", "supervisor", "finance", "admin")
COOKIE = "rebound_session"
STAFF_PASSWORD = "a long staff password"
# 404s that mean "not yours" (the portal and API never say "forbidden" to a customer); any other 404 is an
# allowed caller asking for a missing sub-resource (a run, a photo), which passed authorisation.
DENIAL_404 = {"case_not_found", "order_not_found"}
SKIPPED = {
    "/static": "static files (CSS, JS) are public by design",
    "/docs": "FastAPI's API explorer page (public documentation)",
    "/docs/oauth2-redirect": "part of the API explorer",
    "/redoc": "FastAPI's API reference page (public documentation)",
    "/openapi.json": "the public API description",
}


@dataclass
class Caller:
    """One kind of caller: `bearer` goes on JSON routes, `cookie` (a signed session) on pages."""

    kind: str
    bearer: str | None = None
    cookie: str | None = None
    csrf: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def headers(self, json_route: bool) -> dict[str, str]:
        if json_route:
            return {"Authorization": f"Bearer {self.bearer}"} if self.bearer else {}
        headers = {"Cookie": f"{COOKIE}={self.cookie}"} if self.cookie else {}
        if self.bearer and self.kind.startswith("key"):
            headers["Authorization"] = f"Bearer {self.bearer}"  # pages must ignore API keys
        return headers


def without_rate_limits(settings: Settings) -> Settings:
    """Settings whose limits never trip: for tests that sign in and file often on purpose (limits have their own)."""
    roomy = RateLimit(limit=100_000, window_s=1)
    return settings.model_copy(update={"rate_limits": RateLimits(**dict.fromkeys(RateLimits.model_fields, roomy))})


def session_cookie(settings: Settings, data: dict[str, Any]) -> str:
    """A session cookie as the portal writes it (Starlette's signed session) holding `data`."""
    signer = itsdangerous.TimestampSigner(settings.session_secret.get_secret_value())
    return signer.sign(b64encode(json.dumps(data).encode())).decode()


async def with_csrf(client: httpx.AsyncClient, caller: Caller) -> Caller:
    """Open a page with the caller's cookie: the session gains a CSRF token, which forms must send back."""
    got = await client.get("/login", headers=caller.headers(json_route=False))
    assert got.status_code == 200, got.text
    caller.cookie = got.cookies.get(COOKIE) or caller.cookie
    caller.csrf = csrf_from(got.text)
    client.cookies.clear()
    return caller


async def staff_caller(client: httpx.AsyncClient, role: str) -> Caller:
    """A staff member signed in both ways: a bearer token for the API and a cookie session through /login."""
    token = await client.post("/api/v1/auth/token", json={"username": role, "password": STAFF_PASSWORD})
    assert token.status_code == 200, token.text
    anonymous = await with_csrf(client, Caller("anonymous"))
    signed = await client.post(
        "/login",
        data={"csrf_token": anonymous.csrf, "username": role, "password": STAFF_PASSWORD},
        headers=anonymous.headers(json_route=False),
    )
    assert signed.status_code == 303, signed.text
    cookie = signed.cookies.get(COOKIE)
    client.cookies.clear()
    return await with_csrf(client, Caller(role, bearer=token.json()["access_token"], cookie=cookie))


def app_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, through included routers, HEAD aside (it mirrors GET)."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = str(getattr(route, "path", ""))
        methods = getattr(route, "methods", None) or {"*"}
        found |= {(m, path) for m in methods if m != "HEAD"}
    return found


def outcome(response: httpx.Response) -> str:
    """The answer as the matrix names it: ok (passed authorisation), 401, 403, 404, login, or 5xx."""
    status = response.status_code
    if status in (302, 303, 307) and response.headers.get("location", "").startswith("/login"):
        return "login"
    if status in (401, 403):
        return str(status)
    if status == 404 and _error_code(response) in DENIAL_404:
        return "404"
    if status >= 500 and status != 503:
        return f"{status}"
    return "ok"


def _error_code(response: httpx.Response) -> str:
    if response.headers.get("content-type", "").startswith("application/json"):
        return str(response.json().get("error", ""))
    found = re.search(r'data-error="([^"]*)"', response.text)
    return found.group(1) if found else ""
