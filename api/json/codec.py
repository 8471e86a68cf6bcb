"""The Temporal "remote codec" endpoints (POST /codec/decode, /codec/encode): the Temporal Web UI sends the
encrypted payloads it shows, and staff see them decrypted. Only signed-in staff; only the Temporal UI's origin
may call from a browser (CORS with credentials)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payloads

from api.deps import SessionDep, SettingsDep
from core.codec import EncryptionCodec, UnknownPayloadKey
from core.settings import Settings
from db.repositories.access import get_staff_user
from domain.errors import DomainError, Unauthorized
from services import tokens

router = APIRouter(prefix="/codec", include_in_schema=False)
ALLOWED_HEADERS = "Authorization, Content-Type, X-Namespace"


def ui_origin(settings: Settings) -> str:
    parts = urlsplit(settings.temporal_ui_url)
    return f"{parts.scheme}://{parts.netloc}"


def _cors(request: Request, settings: Settings) -> dict[str, str]:
    """CORS headers for the Temporal UI's origin only; any other origin gets none (so its browser reads nothing)."""
    if request.headers.get("origin") != ui_origin(settings):
        return {"Vary": "Origin"}
    return {
        "Access-Control-Allow-Origin": ui_origin(settings),
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }


async def _staff_member(request: Request, session: SessionDep, settings: Settings) -> str:
    """Any staff member: a bearer token (the UI's "pass access token") or the staff sign-in cookie."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        secret = settings.session_secret.get_secret_value()
        return tokens.read(secret, token.strip(), now=int(time.time())).subject
    kept = request.session.get("staff")
    if isinstance(kept, dict) and int(time.time()) - int(kept.get("t", 0)) <= settings.session_max_age_s:
        user = await get_staff_user(session, str(kept.get("u", "")))
        if user is not None and user.active:
            return user.username
    raise Unauthorized("sign in as staff to see decrypted payloads", code="missing_credentials")


def _error(status: int, code: str, detail: str, headers: dict[str, str]) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


@router.options("/{operation}")
async def preflight(operation: str, request: Request, settings: SettingsDep) -> Response:
    """The browser's CORS preflight before the UI posts payloads."""
    headers = _cors(request, settings)
    if "Access-Control-Allow-Origin" in headers:
        headers |= {"Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": ALLOWED_HEADERS}
        headers["Access-Control-Max-Age"] = "600"
    return Response(status_code=204, headers=headers)


@router.post("/decode")
async def decode(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Staff see the payloads the Temporal UI shows decrypted."""
    return await _run("decode", request, session, settings)


@router.post("/encode")
async def encode(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Input typed into the Temporal UI (signal, reset) is encrypted before it reaches the server."""
    return await _run("encode", request, session, settings)


async def _run(operation: str, request: Request, session: SessionDep, settings: Settings) -> Response:
    headers = _cors(request, settings)
    try:
        await _staff_member(request, session, settings)
    except DomainError as refused:
        return _error(401, refused.code, refused.detail, headers | {"WWW-Authenticate": "Bearer"})
    namespace = request.headers.get("x-namespace") or settings.temporal_namespace
    if namespace != settings.temporal_namespace:
        return _error(
            400, "unknown_namespace", f"this codec holds the keys of '{settings.temporal_namespace}'", headers
        )
    try:
        payloads = json_format.Parse(await request.body(), Payloads(), ignore_unknown_fields=True).payloads
    except (json_format.ParseError, DecodeError, UnicodeDecodeError):
        return _error(400, "malformed_payloads", 'send {"payloads": [{"metadata": {...}, "data": "..."}]}', headers)
    previous = [k.get_secret_value() for k in settings.payload_keys_previous]
    codec = EncryptionCodec(settings.payload_key.get_secret_value(), previous)
    try:
        done = await (codec.decode(payloads) if operation == "decode" else codec.encode(payloads))
    except (UnknownPayloadKey, InvalidTag) as failed:  # a key we do not hold, or a payload that fails its tag
        return _error(400, "undecodable_payload", str(failed) or "a payload could not be decrypted", headers)
    return JSONResponse(json_format.MessageToDict(Payloads(payloads=done)), headers=headers)
