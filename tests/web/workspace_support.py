"""Signing staff in to the pages of a running stack, and reading the case page's form fields."""

from __future__ import annotations

import re
from typing import Any

import httpx

from services.access import create_staff_user
from tests.support.html import csrf_from
from tests.support.stack import API_BASE, Stack

PASSWORD = "a long staff password"


async def staff_browser(stack: Stack, role: str, username: str | None = None) -> httpx.AsyncClient:
    """A cookie-session client for a staff member with `role` (signed in through the sign-in form)."""
    username = username or f"{role}-page"
    async with stack.sessionmaker() as s:
        await create_staff_user(s, username, PASSWORD, role)
        await s.commit()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.api_app), base_url=API_BASE)
    page = await client.get("/login")
    got = await client.post(
        "/login", data={"csrf_token": csrf_from(page.text), "username": username, "password": PASSWORD}
    )
    assert got.status_code == 303, got.text
    return client


async def signed_in(client: httpx.AsyncClient, sessionmaker: Any, role: str) -> httpx.AsyncClient:
    """`client` (the in-process app) signed in through the sign-in form as a new member `<role>1` of `role`."""
    client.headers.pop("Authorization", None)  # pages use the session cookie, never the API key
    async with sessionmaker() as s:
        await create_staff_user(s, f"{role}1", PASSWORD, role)
        await s.commit()
    page = await client.get("/login")
    got = await client.post(
        "/login", data={"csrf_token": csrf_from(page.text), "username": f"{role}1", "password": PASSWORD}
    )
    assert got.status_code == 303, got.text
    return client


def seq_from(html: str) -> str:
    found = re.search(r'name="seq" value="(\d+)"', html)
    assert found, "the case page has no action form"
    return found.group(1)


async def act(
    client: httpx.AsyncClient, number: str, action: str, data: dict[str, Any], files: Any = None
) -> httpx.Response:
    """Post one action form of the case page as the page shows it now (its CSRF token and event number)."""
    page = await client.get(f"/workspace/cases/{number}")
    assert page.status_code == 200, page.text
    body = {"csrf_token": csrf_from(page.text), "seq": seq_from(page.text), **data}
    return await client.post(f"/workspace/cases/{number}/{action}", data=body, files=files)


def refusal(html: str) -> str | None:
    found = re.search(r'<div class="error-summary" role="alert" id="refusal"[^>]*><h2>[^<]*</h2><p>([^<]*)</p>', html)
    return found.group(1) if found else None
