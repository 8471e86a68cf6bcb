"""Exchanges and repairs through the customer's pages: choosing the new size on the items page (and being told
plainly when there is none), the review showing the new item and the price difference, and on the status page
the choice when the new item is out of stock and the answer to a repair quote, through the real workflow."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from db.models import Exchange
from services import case_links
from services.catalogue import ProductInput, upsert_product
from tests.e2e.test_exchanges import catalogue, goods_reach, stock
from tests.e2e.test_repairs import decide, send_for_repair
from tests.support.builders import line
from tests.support.html import csrf_from, field_error
from tests.support.stack import Stack
from tests.web.portal.conftest import found


def hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


async def tee_sizes(sessionmaker: Any, prices: dict[str, int]) -> None:
    """TEE-1 (the order's tee, size M) and its other sizes in the catalogue, priced in CNY."""
    async with sessionmaker() as s:
        for sku, price in {"TEE-1": 12_900, **prices}.items():
            variant = sku.rsplit("-", 1)[1] if sku != "TEE-1" else "M"
            body = {
                "product": "TEE",
                "title": "Tee",
                "variant": variant,
                "category": "apparel",
                "prices": {"CNY": price},
            }
            await upsert_product(s, sku, ProductInput.model_validate(body))
        await s.commit()


async def ask_exchange(customer: httpx.AsyncClient, order: dict[str, Any], **fields: str) -> httpx.Response:
    items = await found(customer, order)
    data = {"csrf_token": csrf_from(items.text), "qty.0": "1", "reason.0": "wrong_size", "resolution": "exchange"}
    return await customer.post("/returns/check", data={**data, **fields})


async def test_an_item_without_other_sizes_says_so_next_to_it(customer: httpx.AsyncClient, order: dict[str, Any]):
    got = await ask_exchange(customer, order)
    assert got.status_code == 422
    assert "no other size or colour" in (field_error(got.text, "swap.0") or "")


async def test_the_items_page_offers_the_other_sizes_and_insists_on_one(
    customer: httpx.AsyncClient, order: dict[str, Any], sessionmaker: Any
):
    await tee_sizes(sessionmaker, {"TEE-L": 12_900, "TEE-XL": 13_900})
    items = await found(customer, order)
    assert '<option value="TEE-L">L · CN¥129.00</option>' in items.text
    assert '<option value="TEE-XL">XL · CN¥139.00</option>' in items.text
    got = await ask_exchange(customer, order)
    assert got.status_code == 422
    assert "Please choose the size or colour" in (field_error(got.text, "swap.0") or "")
    forged = await ask_exchange(customer, order, **{"swap.0": "SALE-1"})  # not a size of this tee
    assert forged.status_code == 422 and field_error(forged.text, "swap.0")


async def test_the_review_shows_the_new_item_and_what_it_costs_and_confirming_holds_it(
    customer: httpx.AsyncClient, order: dict[str, Any], sessionmaker: Any
):
    await tee_sizes(sessionmaker, {"TEE-XL": 13_900})
    review = await ask_exchange(customer, order, **{"swap.0": "TEE-XL"})
    assert review.status_code == 200, review.text
    assert "Tee (XL) × 1" in review.text
    assert "Price difference to pay" in review.text and "CN¥10.00" in review.text
    assert "Estimated refund" not in review.text
    fields = hidden(review.text)
    assert fields["swap.0"] == "TEE-XL"
    done = await customer.post("/returns/confirm", data=fields)
    assert done.status_code == 303, done.text
    async with sessionmaker() as s:
        [x] = (await s.scalars(select(Exchange))).all()
    assert (x.items[0]["sku"], x.difference_minor) == ("TEE-XL", 1_000)


@pytest.fixture
async def web(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.api_app), base_url="http://rebound.test") as c:
        c.headers["Accept-Language"] = "en"
        yield c


def opened(stack: Stack, number: str) -> str:
    """The status page as the customer's mail links it (signed, so this browser may see the case)."""
    secret = stack.settings.session_secret.get_secret_value()
    return f"/returns/{number}?lang=en&access={case_links.sign(secret, number)}"


async def test_out_of_stock_the_customer_chooses_a_refund_on_the_status_page(stack: Stack, web: httpx.AsyncClient):
    await catalogue(stack, "TEE-M", 10_000)
    await catalogue(stack, "TEE-L", 10_000, variant="L")
    await stock(stack, "TEE-L", 0)
    order = await stack.order(
        lines=[line("L1", sku="TEE-M", unit_price=10_000)],
        customer={"email": "lin@example.com", "name": "Lin", "locale": "en"},
    )
    created = await stack.api.post(
        "/api/v1/returns",
        json={
            "order_number": order["number"],
            "email": order["customer"]["email"],
            "items": [{"line_id": "L1", "quantity": 1, "reason": "wrong_size"}],
            "resolution": "exchange",
            "exchange_items": [{"line_id": "L1", "sku": "TEE-L"}],
        },
    )
    number = created.json()["number"]
    await goods_reach(stack, number, "out_of_stock")
    page = await web.get(opened(stack, number))
    assert page.status_code == 200
    assert "the item you chose is out of stock" in page.text and "Please choose by" in page.text
    chose = await web.post(
        f"/returns/{number}/exchange-choice", data={"csrf_token": csrf_from(page.text), "choice": "refund"}
    )
    assert chose.status_code == 303
    after = await web.get(f"/returns/{number}")
    assert "you will get a refund instead of the new item" in after.text
    assert "You told us what you would like" in after.text
    assert "the item you chose is out of stock" not in after.text  # no second choice offered
    again = await web.post(
        f"/returns/{number}/exchange-choice", data={"csrf_token": csrf_from(after.text), "choice": "wait"}
    )
    assert "can&#39;t be done on your return any more" in (await web.get(again.headers["location"])).text


async def test_a_repair_quote_is_accepted_on_the_status_page(stack: Stack, web: httpx.AsyncClient):
    number, _ = await send_for_repair(stack)
    await decide(stack, number, "out_of_warranty", quote={"amount": 8_800, "currency": "CNY"}, note="dropped")
    await goods_reach(stack, number, "quoted")
    page = await web.get(opened(stack, number))
    assert "It costs CN¥88.00" in page.text and "Please answer by" in page.text
    bad = await web.post(
        f"/returns/{number}/repair-quote", data={"csrf_token": csrf_from(page.text), "answer": "maybe"}
    )
    assert bad.status_code == 422 and "Please choose one of the options" in bad.text
    accepted = await web.post(
        f"/returns/{number}/repair-quote", data={"csrf_token": csrf_from(page.text), "answer": "accept"}
    )
    assert accepted.status_code == 303
    await goods_reach(stack, number, "repairing")
    after = await web.get(f"/returns/{number}")
    assert "The repair was paid and is under way" in after.text and "Accept and pay" not in after.text
