"""Guessing costs time: sign-ins, order look-ups and return creation are limited per client address and per
target (username, order number). Past the limit the answer is 429 with Retry-After, a plain message, and
nothing is read or written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.rate_limit import RateLimit, RateLimits
from core.settings import Settings
from db.models import ReturnCase, StaffUser
from services.access import create_api_key, create_staff_user
from tests.support.builders import line, order_payload
from tests.support.html import csrf_from
from tests.web.portal.test_filing import confirm, review

pytestmark = pytest.mark.parametrize("db_template", ["sqlite"], indirect=True)
TOO_MANY = "Too many attempts from here. Please wait a few minutes and try again."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    limits = RateLimits(
        login_ip=RateLimit(limit=4, window_s=300),
        login_user=RateLimit(limit=3, window_s=300),
        lookup_ip=RateLimit(limit=4, window_s=300),
        lookup_order=RateLimit(limit=3, window_s=300),
        create_ip=RateLimit(limit=3, window_s=300),
        create_key=RateLimit(limit=3, window_s=300),
        create_order=RateLimit(limit=2, window_s=300),
    )
    return settings.model_copy(update={"rate_limits": limits})


async def _failed_logins(sessionmaker: Any, username: str) -> int:
    async with sessionmaker() as s:
        return int(await s.scalar(select(StaffUser.failed_logins).where(StaffUser.username == username)) or 0)


async def _cases(sessionmaker: Any) -> int:
    async with sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(ReturnCase)) or 0)


def _assert_limited_json(got: httpx.Response) -> None:
    assert got.status_code == 429, got.text
    assert got.json()["error"] == "rate_limited" and "try again in" in got.json()["detail"]
    assert int(got.headers["retry-after"]) > 0


@pytest.fixture
async def staff_user(sessionmaker: Any) -> str:
    async with sessionmaker() as s:
        await create_staff_user(s, "mei", "the right password", "agent")
        await s.commit()
    return "mei"


async def test_api_sign_in_per_username_stops_before_the_password_is_tried(
    client: httpx.AsyncClient, sessionmaker: Any, staff_user: str
) -> None:
    for _ in range(3):
        wrong = await client.post("/api/v1/auth/token", json={"username": staff_user, "password": "wrong password"})
        assert wrong.status_code == 401
    assert await _failed_logins(sessionmaker, staff_user) == 3
    right = await client.post("/api/v1/auth/token", json={"username": staff_user, "password": "the right password"})
    _assert_limited_json(right)
    assert "access_token" not in right.json()
    assert await _failed_logins(sessionmaker, staff_user) == 3  # the refused attempt changed nothing


async def test_api_sign_in_per_address_across_usernames(client: httpx.AsyncClient) -> None:
    for n in range(4):
        got = await client.post("/api/v1/auth/token", json={"username": f"user{n}", "password": "wrong password"})
        assert got.status_code == 401
    _assert_limited_json(await client.post("/api/v1/auth/token", json={"username": "fresh", "password": "x"}))


async def test_sign_in_page_says_to_wait_and_signs_nobody_in(client: httpx.AsyncClient, staff_user: str) -> None:
    client.headers.pop("Authorization")
    for password in ("wrong one", "wrong two", "wrong three", "the right password"):
        page = await client.get("/login")
        data = {"csrf_token": csrf_from(page.text), "username": staff_user, "password": password}
        got = await client.post("/login", data=data)
    assert got.status_code == 429 and TOO_MANY in got.text and int(got.headers["retry-after"]) > 0
    assert 'value="mei"' in got.text  # the username is kept; the password never echoed
    assert (await client.get("/workspace")).headers["location"].startswith("/login")


async def _order(client: httpx.AsyncClient, quantity: int = 1) -> dict[str, Any]:
    body = order_payload(lines=[line("L1", quantity=quantity)])
    body["customer"]["locale"] = "en"
    assert (await client.post("/api/v1/orders", json=body)).status_code == 201
    return body


async def _find(client: httpx.AsyncClient, number: str, contact: str) -> httpx.Response:
    page = await client.get("/returns")
    return await client.post(
        "/returns", data={"csrf_token": csrf_from(page.text), "order_number": number, "contact": contact}
    )


async def test_find_your_order_per_order_number(client: httpx.AsyncClient) -> None:
    order = await _order(client)
    client.headers.pop("Authorization")
    for guess in ("a@example.com", "b@example.com", "c@example.com"):
        assert (await _find(client, order["number"], guess)).status_code == 422
    got = await _find(client, order["number"], order["customer"]["email"])  # even the right answer waits now
    assert got.status_code == 429 and TOO_MANY in got.text and int(got.headers["retry-after"]) > 0
    assert order["number"] in got.text  # the input is kept
    assert (await client.get("/returns/new")).status_code == 404  # nothing was found, so nothing can be filed


async def test_find_your_order_per_address_across_order_numbers(client: httpx.AsyncClient) -> None:
    client.headers.pop("Authorization")
    for n in range(4):
        assert (await _find(client, f"ORD-GUESS-{n}", "a@example.com")).status_code == 422
    got = await _find(client, "ORD-GUESS-9", "a@example.com")
    assert got.status_code == 429 and TOO_MANY in got.text


def _return(order: dict[str, Any]) -> dict[str, Any]:
    return {
        "order_number": order["number"],
        "email": order["customer"]["email"],
        "items": [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}],
        "resolution": "refund",
    }


async def test_api_return_creation_per_order_and_a_replay_is_never_refused(
    client: httpx.AsyncClient, sessionmaker: Any
) -> None:
    order = await _order(client, quantity=3)
    for key in ("k-first-000001", "k-second-00002"):
        created = await client.post("/api/v1/returns", json=_return(order), headers={"Idempotency-Key": key})
        assert created.status_code == 201, created.text
    third = await client.post("/api/v1/returns", json=_return(order), headers={"Idempotency-Key": "k-third-000003"})
    _assert_limited_json(third)
    assert await _cases(sessionmaker) == 2
    replay = await client.post("/api/v1/returns", json=_return(order), headers={"Idempotency-Key": "k-first-000001"})
    assert replay.status_code == 201 and await _cases(sessionmaker) == 2


async def test_api_return_creation_per_key_not_per_address(client: httpx.AsyncClient, sessionmaker: Any) -> None:
    """A storefront posts for all its customers from one server: its key is counted, and another merchant's key
    from the same address is not held up by it."""
    orders = [await _order(client) for _ in range(5)]
    for order in orders[:3]:
        assert (await client.post("/api/v1/returns", json=_return(order))).status_code == 201
    _assert_limited_json(await client.post("/api/v1/returns", json=_return(orders[3])))
    async with sessionmaker() as s:
        await create_api_key(s, "second storefront", ["returns:write"], raw="rk_second_storefront_key_0001")
        await s.commit()
    other = {"Authorization": "Bearer rk_second_storefront_key_0001"}
    assert (await client.post("/api/v1/returns", json=_return(orders[4]), headers=other)).status_code == 201
    assert await _cases(sessionmaker) == 4


async def test_portal_return_creation_per_order(client: httpx.AsyncClient, sessionmaker: Any) -> None:
    order = await _order(client, quantity=3)
    client.headers.pop("Authorization")
    client.headers["Accept-Language"] = "en"
    for _ in range(2):
        assert (await confirm(client, await review(client, order))).status_code == 303
    page = await review(client, order)
    got = await confirm(client, page)
    assert got.status_code == 429 and TOO_MANY in got.text and int(got.headers["retry-after"]) > 0
    assert await _cases(sessionmaker) == 2
