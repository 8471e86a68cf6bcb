"""Filing a return through the pages: each mistake gets a clear message with the input kept, and nothing
is written until the customer confirms; a second post of the same form shows the same case."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import func, select

from db.models import CasePhoto, IdempotencyKey, ReturnCase
from tests.support.html import csrf_from, field_error
from tests.web.portal.conftest import found


async def count(sessionmaker: Any, model: Any) -> int:
    async with sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


def jpeg(size: tuple[int, int] = (64, 48), **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format="JPEG", **save)
    return out.getvalue()


def hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


async def review(customer: httpx.AsyncClient, order: dict[str, Any], **fields: str) -> httpx.Response:
    items = await found(customer, order)
    data = {"csrf_token": csrf_from(items.text), "qty.0": "1", "reason.0": "wrong_size", "resolution": "refund"}
    return await customer.post("/returns/check", data={**data, **fields})


async def test_wrong_email_is_refused_with_the_input_kept(customer: httpx.AsyncClient, order: dict[str, Any]):
    page = await customer.get("/returns")
    got = await customer.post(
        "/returns",
        data={"csrf_token": csrf_from(page.text), "order_number": order["number"], "contact": "someone@else.example"},
    )
    assert got.status_code == 422
    assert "We could not find an order with that number" in (field_error(got.text, "order_number") or "")
    assert f'value="{order["number"]}"' in got.text and 'value="someone@else.example"' in got.text


async def test_the_orders_phone_finds_it_too(customer: httpx.AsyncClient, order: dict[str, Any]):
    items = await found(customer, order, contact="138 0000 0000")
    assert "Item TEE-1" in items.text


async def test_review_shows_the_estimate_and_writes_nothing(
    customer: httpx.AsyncClient, order: dict[str, Any], sessionmaker: Any
):
    got = await review(customer, order, **{"comment.0": "too small"})
    assert got.status_code == 200
    assert "¥129.00" in got.text or "CN¥129.00" in got.text
    assert "approved straight away" in got.text
    assert await count(sessionmaker, ReturnCase) == 0


async def test_an_ineligible_item_says_why_next_to_it_and_keeps_the_choices(
    customer: httpx.AsyncClient, order: dict[str, Any], sessionmaker: Any
):
    got = await review(customer, order, **{"qty.1": "1", "reason.1": "changed_mind", "comment.1": "keep me"})
    assert got.status_code == 422
    assert "final-sale items can only be returned if they are faulty" in (field_error(got.text, "qty.1") or "")
    assert '<option value="changed_mind" selected>' in got.text and "keep me" in got.text
    assert await count(sessionmaker, ReturnCase) == 0


async def test_missing_csrf_token_keeps_the_answers(customer: httpx.AsyncClient, order: dict[str, Any]):
    await found(customer, order)
    got = await customer.post("/returns/check", data={"qty.0": "2", "reason.0": "wrong_size", "resolution": "refund"})
    assert got.status_code == 422
    assert "This form expired" in got.text
    assert '<option value="2" selected>' in got.text and '<option value="wrong_size" selected>' in got.text


async def confirm(customer: httpx.AsyncClient, page: httpx.Response, files: Any = None, **over: str) -> httpx.Response:
    data = {**hidden(page.text), **over}
    return await customer.post("/returns/confirm", data=data, files=files)


async def test_confirm_opens_one_case_even_when_posted_twice(
    customer: httpx.AsyncClient, order: dict[str, Any], sessionmaker: Any
):
    page = await review(customer, order)
    first = await confirm(customer, page, files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))])
    assert first.status_code == 303, first.text
    again = await confirm(customer, page, files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))])
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    assert await count(sessionmaker, ReturnCase) == 1 and await count(sessionmaker, CasePhoto) == 1
    status = await customer.get(first.headers["location"])
    assert status.status_code == 200 and "Thank you: your return is filed." in status.text


async def test_confirm_without_its_csrf_token_writes_nothing_and_keeps_the_answers(
    customer: httpx.AsyncClient, order: dict[str, Any], sessionmaker: Any
):
    page = await review(customer, order)
    fields = hidden(page.text)
    assert fields.pop("csrf_token")
    got = await customer.post("/returns/confirm", data=fields, files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))])
    assert got.status_code == 422 and "This form expired" in got.text
    assert await count(sessionmaker, ReturnCase) == 0 and await count(sessionmaker, CasePhoto) == 0
    # The customer is back on their answers (quantity and reason chosen), to send them again.
    assert '<option value="1" selected>' in got.text and '<option value="wrong_size" selected>' in got.text


async def test_the_status_page_is_only_for_the_browser_that_filed_it(
    customer: httpx.AsyncClient, order: dict[str, Any]
):
    page = await review(customer, order)
    where = (await confirm(customer, page)).headers["location"]
    customer.cookies.clear()
    got = await customer.get(where)
    assert got.status_code == 404 and "We could not find that page" in got.text


def forged_files() -> list[tuple[str, bytes, str]]:
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    return [
        ("notes.jpg", b"this is only text, whatever its name says", "image/jpeg"),
        ("fake.jpg", b"\xff\xd8\xff\xe0" + png.getvalue(), "image/jpeg"),  # a JPEG header on a PNG body
    ]


async def test_forged_and_oversize_photos_are_refused_and_nothing_is_written(
    customer: httpx.AsyncClient, order: dict[str, Any], sessionmaker: Any, settings: Any
):
    page = await review(customer, order, **{"comment.0": "see photo"})
    for name, body, kind in [*forged_files(), ("huge.jpg", b"\xff" * (settings.max_photo_bytes + 10), "image/jpeg")]:
        got = await confirm(customer, page, files=[("photos", (name, body, kind))])
        assert got.status_code == 422, name
        assert field_error(got.text, "photos"), name
        assert hidden(got.text)["comment.0"] == "see photo"  # the request is still there to confirm
    assert await count(sessionmaker, ReturnCase) == 0 and await count(sessionmaker, IdempotencyKey) == 0
    assert not any(settings.upload_dir.glob("*")) if settings.upload_dir.exists() else True


async def test_a_png_named_jpg_is_judged_by_its_content(
    customer: httpx.AsyncClient, order: dict[str, Any], sessionmaker: Any
):
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    page = await review(customer, order)
    got = await confirm(customer, page, files=[("photos", ("photo.jpg", png.getvalue(), "image/jpeg"))])
    assert got.status_code == 303
    async with sessionmaker() as s:
        assert (await s.scalars(select(CasePhoto.content_type))).one() == "image/png"


async def test_a_double_click_sending_two_posts_at_once_opens_one_case(
    customer: httpx.AsyncClient, order: dict[str, Any], sessionmaker: Any
):
    page = await review(customer, order)
    first, second = await asyncio.gather(confirm(customer, page), confirm(customer, page))
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await count(sessionmaker, ReturnCase) == 1


async def test_photos_are_served_only_to_the_browser_of_the_case(
    customer: httpx.AsyncClient, order: dict[str, Any], sessionmaker: Any
):
    page = await review(customer, order)
    where = (await confirm(customer, page, files=[("photos", ("a.heic", jpeg(), "image/heic"))])).headers["location"]
    async with sessionmaker() as s:
        photo_id = (await s.scalars(select(CasePhoto.id))).one()
    mine = await customer.get(f"{where}/photos/{photo_id}")
    assert mine.status_code == 200 and mine.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(mine.content)).size == (64, 48)
    customer.cookies.clear()
    assert (await customer.get(f"{where}/photos/{photo_id}")).status_code == 404


async def test_switching_language_on_the_review_starts_again_from_the_items(
    customer: httpx.AsyncClient, order: dict[str, Any]
):
    await review(customer, order)
    got = await customer.get("/returns/check?lang=zh-Hans", follow_redirects=True)
    assert got.status_code == 200 and '<html lang="zh-Hans">' in got.text and "选择要退回的商品" in got.text
