"""The one table that maps domain error codes to HTTP status: the JSON error shape of API.md for the API,
an error page for the HTML pages (or, for staff pages without a sign-in, the sign-in page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

from api.web.pages import Pages
from domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
)

STATUS_BY_KIND: list[tuple[type[DomainError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (Unauthorized, 401),
    (Forbidden, 403),
    (RateLimited, 429),
    (Unavailable, 503),
]
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
# Paths answered in JSON; everything else is a page for people.
JSON_PREFIXES = ("/api/", "/codec/", "/healthz", "/metrics", "/openapi.json", "/docs", "/redoc")
STAFF_PAGES = ("/workspace", "/finance", "/admin")


def error_body(code: str, detail: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "detail": detail}
    if fields:
        body["fields"] = fields
    return body


def status_for(exc: DomainError) -> int:
    return next((status for kind, status in STATUS_BY_KIND if isinstance(exc, kind)), 400)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "is invalid"))
    return msg.removeprefix("Value error, ")


def wants_page(request: Request) -> bool:
    return not request.url.path.startswith(JSON_PREFIXES)


def _answer(request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    if not wants_page(request):
        return JSONResponse(body, status, headers=headers)
    if status == 401 and request.url.path.startswith(STAFF_PAGES):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    pages: Pages = request.app.state.resources.pages
    return pages.render(request, "error.html", {"status": status, "error": body}, status_code=status)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    if isinstance(exc, RateLimited) and (wait := getattr(exc, "retry_after_s", None)):
        headers = {"Retry-After": str(wait)}
    return _answer(request, status_for(exc), error_body(exc.code, exc.detail, exc.fields), headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return _answer(request, 400, error_body("malformed_json", "the request body is not valid JSON"))
    fields = {_field_path(tuple(e["loc"])): _message(e) for e in errors}
    first = next(iter(fields.items()))
    detail = f"{first[0]}: {first[1]}" + (f" (and {len(fields) - 1} more)" if len(fields) > 1 else "")
    return _answer(request, 422, error_body("validation_failed", detail, fields))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    return _answer(request, exc.status_code, error_body(code, str(exc.detail)), dict(exc.headers or {}))


UNAVAILABLE = "a service we depend on is unavailable for a moment; please try again shortly"


def _dependency_down(exc: Exception) -> bool:
    """The database or Temporal is unreachable (restarting, failing over): a 503 the caller can retry, not a bug."""
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return True
    if isinstance(exc, RPCError):
        return exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)
    if isinstance(exc, RuntimeError) and str(exc).startswith("Failed client connect"):
        return True  # the lazily connected Temporal client could not reach the server
    return isinstance(exc, ConnectionError | TimeoutError)


async def _unexpected(request: Request, exc: Exception) -> Response:
    if _dependency_down(exc):
        return _answer(request, 503, error_body("unavailable", UNAVAILABLE), {"Retry-After": "5"})
    # Logged by the server with its traceback; the person sees an apology, never the trace.
    return _answer(request, 500, error_body("internal_error", "something went wrong on our side; please try again"))


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
