"""Staff sign-in: tokens for the right password, lock-out after repeated failures, forged tokens refused."""

from __future__ import annotations

import httpx
import pytest

from core.settings import Settings
from domain.errors import Unauthorized
from services import tokens
from services.access import create_staff_user


@pytest.fixture
async def agent(sessionmaker) -> str:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        await create_staff_user(s, "alice", "correct horse battery", "agent")
        await s.commit()
    return "alice"


async def test_sign_in_returns_a_token_for_the_role(client: httpx.AsyncClient, agent: str, settings: Settings) -> None:
    got = await client.post("/api/v1/auth/token", json={"username": agent, "password": "correct horse battery"})
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["token_type"], body["role"]) == ("bearer", "agent")
    claims = tokens.read(settings.session_secret.get_secret_value(), body["access_token"], now=0)
    assert claims.subject == "alice"


async def test_wrong_password_is_401_and_five_failures_lock(client: httpx.AsyncClient, agent: str) -> None:
    for _ in range(5):
        got = await client.post("/api/v1/auth/token", json={"username": agent, "password": "wrong"})
        assert got.status_code == 401
        assert got.json()["error"] == "invalid_credentials"
    locked = await client.post("/api/v1/auth/token", json={"username": agent, "password": "correct horse battery"})
    assert locked.status_code == 429
    assert locked.json()["error"] == "account_locked"
    assert "try again" in locked.json()["detail"]


async def test_unknown_user_looks_like_a_wrong_password(client: httpx.AsyncClient) -> None:
    got = await client.post("/api/v1/auth/token", json={"username": "mallory", "password": "x"})
    assert got.status_code == 401 and got.json()["error"] == "invalid_credentials"


def test_forged_and_expired_tokens_are_refused() -> None:
    good = tokens.issue("secret", "alice", "agent", now=1_000, ttl_s=60)
    assert tokens.read("secret", good, now=1_030).role == "agent"
    with pytest.raises(Unauthorized, match="expired"):
        tokens.read("secret", good, now=1_061)
    payload, _, mac = good.partition(".")
    forged = tokens.issue("other-secret", "alice", "admin", now=1_000).partition(".")[0] + "." + mac
    for bad in (forged, tokens.issue("other-secret", "alice", "agent", now=1_000), "garbage", payload + "."):
        with pytest.raises(Unauthorized):
            tokens.read("secret", bad, now=1_030)
