"""The storefront's signed "Start a return" link: it opens the filing for its own order only."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.support.builders import order_payload


async def _link(client: httpx.AsyncClient, number: str, email: str) -> str:
    created = await client.post("/api/v1/orders", json=order_payload(number, email=email))
    assert created.status_code == 201, created.text
    url = urlsplit(created.json()["return_url"])
    assert url.path == "/returns/start"
    return f"{url.path}?{url.query}"


async def test_the_link_goes_straight_to_choosing_items(client: httpx.AsyncClient) -> None:
    link = await _link(client, "SHOP-1", "mei@example.com")
    client.headers.pop("Authorization")
    got = await client.get(link)
    assert got.status_code == 303 and got.headers["location"] == "/returns/new"
    items = await client.get("/returns/new")
    assert items.status_code == 200 and "SHOP-1" in items.text


async def test_a_tampered_link_opens_nothing_and_says_so(client: httpx.AsyncClient) -> None:
    link = await _link(client, "SHOP-2", "mei@example.com")
    await _link(client, "SHOP-3", "other@example.com")
    client.headers.pop("Authorization")
    for forged in (link.replace("SHOP-2", "SHOP-3"), link.replace("mei%40", "other%40"), link[:-4] + "AAAA"):
        got = await client.get(forged)
        assert got.status_code == 400 and "not valid any more" in got.text
        assert (await client.get("/returns/new")).status_code == 404
