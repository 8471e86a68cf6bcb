"""ASGI middleware: a request-body size limit, security headers, request metrics, request traces and the case
number on the log lines of a request about a case."""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from opentelemetry import propagate
from opentelemetry.trace import SpanKind, StatusCode, Tracer
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logging import case_context, case_in

REQUESTS = Counter("rebound_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("rebound_http_request_seconds", "HTTP request latency", ["method", "route"])


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuses bodies above `max_bytes` with 413, whether announced by Content-Length or streamed;
    `overrides` gives a few path prefixes (file uploads) a limit of their own; the longest matching prefix wins."""

    def __init__(self, app: ASGIApp, max_bytes: int, overrides: Mapping[str, int] | None = None) -> None:
        self.app, self.max_bytes, self.overrides = app, max_bytes, dict(overrides or {})

    def _limit(self, path: str) -> int:
        matches = [prefix for prefix in self.overrides if path.startswith(prefix)]
        return self.overrides[max(matches, key=len)] if matches else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "error": "payload_too_large",
                "detail": f"the request body is larger than {limit} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _HttpMiddleware(ABC):
    """Passes lifespan and websocket traffic straight through; `handle` sees HTTP requests only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None: ...


class CaseLogs(_HttpMiddleware):
    """Log lines written while a request about one case is handled (its access log line included) name the case:
    the case number is taken from the path (/api/v1/returns/<number>/..., /returns/<number>, the workspace's)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        with case_context(case_in(scope["path"])):
            await self.app(scope, receive, send)


class Metrics(_HttpMiddleware):
    """Counts requests and times them per route template (never per raw path: bounded label values)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        status = {"code": 500}

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            name = _route(scope)
            REQUESTS.labels(scope["method"], name, str(status["code"])).inc()
            LATENCY.labels(scope["method"], name).observe(time.perf_counter() - start)


def _route(scope: Scope) -> str:
    route: Any = scope.get("route")
    return str(getattr(route, "path", "unmatched"))


class Tracing(_HttpMiddleware):
    """A server span per request, continuing the caller's trace (W3C `traceparent`); workflows started, signalled
    or updated while it is open join the same trace (core.tracing)."""

    def __init__(self, app: ASGIApp, tracer: Tracer) -> None:
        super().__init__(app)
        self.tracer = tracer

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope["method"]
        with self.tracer.start_as_current_span(
            method, context=propagate.extract(carrier), kind=SpanKind.SERVER
        ) as span:
            span.set_attributes({"http.request.method": method, "url.path": scope["path"]})

            async def record(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                    if message["status"] >= 500:
                        span.set_status(StatusCode.ERROR)
                await send(message)

            try:
                await self.app(scope, receive, record)
            finally:
                span.set_attribute("http.route", _route(scope))
                span.update_name(f"{method} {_route(scope)}")


# Pages load only our own scripts, styles and images; nothing may frame them. The API docs page needs its
# CDN assets and inline bootstrap script, so it alone goes without the policy.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_NO_CSP = ("/docs", "/redoc")


class SecurityHeaders(_HttpMiddleware):
    """Adds nosniff, referrer, framing and content-security headers to every response."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
        ]
        if not scope["path"].startswith(_NO_CSP):
            extra.append((b"content-security-policy", CSP.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
