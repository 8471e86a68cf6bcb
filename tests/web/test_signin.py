"""Staff sign-in by cookie: CSRF-checked form, no open redirect, lock-out, and the user's input kept on errors."""

from __future__ import annotations

import httpx
import pytest

from services.access import create_staff_user
from tests.support.html import csrf_from, field_error, post_form

PASSWORD = "a long staff password"


@pytest.fixture
async def agent(sessionmaker) -> str:
    async with sessionmaker() as s:
        await create_staff_user(s, "ana", PASSWORD, "agent")
        await create_staff_user(s, "fin", PASSWORD, "finance")
        await s.commit()
    return "ana"


@pytest.fixture
async def browser_like(client: httpx.AsyncClient) -> httpx.AsyncClient:
    client.headers.pop("Authorization", None)  # pages use the session cookie, never the API key
    return client


async def test_sign_in_lands_on_the_role_home_with_a_fresh_session(browser_like: httpx.AsyncClient, agent: str):
    before = await browser_like.get("/login")
    got = await post_form(browser_like, "/login", "/login", {"username": agent, "password": PASSWORD})
    assert got.status_code == 303 and got.headers["location"] == "/workspace"
    after = await browser_like.get("/login")
    assert csrf_from(after.text) != csrf_from(before.text)  # a new session after signing in


async def test_finance_lands_on_finance(browser_like: httpx.AsyncClient, agent: str):
    got = await post_form(browser_like, "/login", "/login", {"username": "fin", "password": PASSWORD})
    assert got.headers["location"] == "/finance"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
async def test_next_never_leaves_the_site(browser_like: httpx.AsyncClient, agent: str, target: str):
    got = await post_form(browser_like, "/login", "/login", {"username": agent, "password": PASSWORD, "next": target})
    assert got.headers["location"] == "/workspace"


async def test_wrong_password_keeps_the_username_and_never_echoes_the_password(
    browser_like: httpx.AsyncClient, agent: str
):
    got = await post_form(browser_like, "/login", "/login", {"username": agent, "password": "wrong-guess-123"})
    assert got.status_code == 422
    assert "The username or password is not right." in got.text
    assert 'value="ana"' in got.text and "wrong-guess-123" not in got.text


async def test_missing_csrf_token_is_refused_with_the_input_kept(browser_like: httpx.AsyncClient, agent: str):
    got = await browser_like.post("/login", data={"username": agent, "password": PASSWORD})
    assert got.status_code == 422
    assert "This form expired" in got.text and 'value="ana"' in got.text
    assert "set-cookie" not in got.headers or "staff" not in got.headers.get("set-cookie", "")


async def test_empty_fields_are_marked(browser_like: httpx.AsyncClient, agent: str):
    got = await post_form(browser_like, "/login", "/login", {"username": "", "password": ""})
    assert field_error(got.text, "username") == "Please fill in this field."
    assert field_error(got.text, "password") == "Please fill in this field."


async def test_five_failures_lock_the_account_with_a_clear_429(browser_like: httpx.AsyncClient, agent: str):
    for _ in range(5):
        await post_form(browser_like, "/login", "/login", {"username": agent, "password": "nope-nope-nope"})
    got = await post_form(browser_like, "/login", "/login", {"username": agent, "password": PASSWORD})
    assert got.status_code == 429
    assert "Too many failed sign-ins" in got.text


async def test_sign_out_needs_the_form_token(browser_like: httpx.AsyncClient, agent: str):
    await post_form(browser_like, "/login", "/login", {"username": agent, "password": PASSWORD})
    page = await browser_like.get("/login")
    out = await browser_like.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
