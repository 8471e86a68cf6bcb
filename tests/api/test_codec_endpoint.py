"""The Temporal UI's remote codec: staff see a case's encrypted payloads decrypted; nobody else does, and only
the Temporal UI's own origin may read the answer from a browser."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from google.protobuf import json_format
from pydantic import SecretStr
from temporalio.api.common.v1 import Payloads
from temporalio.contrib.pydantic import pydantic_data_converter

from api.json.codec import ui_origin
from core.codec import ENCODING, EncryptionCodec
from core.settings import Settings
from services.access import create_staff_user
from tests.support.html import csrf_from

pytestmark = pytest.mark.parametrize("db_template", ["sqlite"], indirect=True)
CUSTOMER = {"email": "mei@example.com", "phone": "+8613800000000", "line1": "1 Road"}


async def sealed_body(settings: Settings, value: Any = CUSTOMER) -> dict[str, Any]:
    """What the Temporal UI posts: the payloads as stored in history, in proto3 JSON (bytes as base64)."""
    plain = pydantic_data_converter.payload_converter.to_payloads([value])
    codec = EncryptionCodec(settings.payload_key.get_secret_value())
    return json_format.MessageToDict(Payloads(payloads=await codec.encode(plain)))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Keys rotated once: payloads written under the retired key must still open."""
    keys = {
        "payload_key": SecretStr("current-payload-key"),
        "payload_keys_previous": [SecretStr("retired-payload-key")],
    }
    return settings.model_copy(update=keys)


@pytest.fixture
async def web(client: httpx.AsyncClient, sessionmaker: Any, settings: Settings) -> httpx.AsyncClient:
    async with sessionmaker() as s:
        await create_staff_user(s, "fin", "a long staff password", "finance")
        await s.commit()
    client.headers.pop("Authorization")
    client.headers["Origin"] = ui_origin(settings)
    return client


async def _token(web: httpx.AsyncClient) -> dict[str, str]:
    got = await web.post("/api/v1/auth/token", json={"username": "fin", "password": "a long staff password"})
    return {"Authorization": f"Bearer {got.json()['access_token']}", "X-Namespace": "default"}


async def test_staff_see_decrypted_payloads_and_the_ui_origin_may_read_them(
    web: httpx.AsyncClient, settings: Settings
) -> None:
    body = await sealed_body(settings)
    assert base64.b64decode(body["payloads"][0]["metadata"]["encoding"]) == ENCODING
    assert b"mei@example.com" not in base64.b64decode(body["payloads"][0]["data"])
    got = await web.post("/codec/decode", json=body, headers=await _token(web))
    assert got.status_code == 200, got.text
    payload = got.json()["payloads"][0]
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"json/plain"
    assert b'"email":"mei@example.com"' in base64.b64decode(payload["data"])
    assert got.headers["access-control-allow-origin"] == ui_origin(settings)
    assert got.headers["access-control-allow-credentials"] == "true"


async def test_anonymous_callers_and_customers_get_401_and_no_plaintext(
    web: httpx.AsyncClient, settings: Settings
) -> None:
    body = await sealed_body(settings)
    for headers in ({}, {"Authorization": "Bearer a-customer-token"}):
        got = await web.post("/codec/decode", json=body, headers=headers)
        assert got.status_code == 401 and got.json()["error"] in ("missing_credentials", "invalid_token")
        assert "mei@example.com" not in got.text


async def test_other_origins_get_no_cors_grant(web: httpx.AsyncClient, settings: Settings) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-namespace"}
    ok = await web.options("/codec/decode", headers=preflight)
    assert ok.status_code == 204 and "X-Namespace" in ok.headers["access-control-allow-headers"]
    assert ok.headers["access-control-allow-origin"] == ui_origin(settings)
    evil = {"Origin": "https://evil.example", **preflight}
    refused = await web.options("/codec/decode", headers=evil)
    assert "access-control-allow-origin" not in refused.headers
    answered = await web.post("/codec/decode", json=await sealed_body(settings), headers=await _token(web) | evil)
    assert "access-control-allow-origin" not in answered.headers  # the evil page's browser cannot read it


async def test_encode_round_trips_and_the_staff_cookie_works_too(web: httpx.AsyncClient, settings: Settings) -> None:
    page = await web.get("/login")
    data = {"csrf_token": csrf_from(page.text), "username": "fin", "password": "a long staff password"}
    assert (await web.post("/login", data=data)).status_code == 303
    plain = json_format.MessageToDict(Payloads(payloads=pydantic_data_converter.payload_converter.to_payloads([7])))
    sealed = await web.post("/codec/encode", json=plain)
    assert sealed.status_code == 200, sealed.text
    assert base64.b64decode(sealed.json()["payloads"][0]["metadata"]["encoding"]) == ENCODING
    opened = await web.post("/codec/decode", json=sealed.json())
    assert opened.json() == plain


async def test_a_payload_under_a_retired_key_still_opens_and_an_unknown_one_is_a_clear_400(
    web: httpx.AsyncClient, settings: Settings
) -> None:
    body = await sealed_body(settings.model_copy(update={"payload_key": SecretStr("retired-payload-key")}))
    assert (await web.post("/codec/decode", json=body, headers=await _token(web))).status_code == 200
    stranger = await sealed_body(settings.model_copy(update={"payload_key": SecretStr("someone-elses-key")}))
    got = await web.post("/codec/decode", json=stranger, headers=await _token(web))
    assert got.status_code == 400 and got.json()["error"] == "undecodable_payload"
    wrong_ns = await web.post("/codec/decode", json=body, headers={**await _token(web), "X-Namespace": "other"})
    assert wrong_ns.status_code == 400 and wrong_ns.json()["error"] == "unknown_namespace"
