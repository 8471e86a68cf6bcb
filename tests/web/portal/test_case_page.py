"""After filing: the customer's status page with its deadline, label and QR code follows the real workflow
and carrier; the customer can cancel before pickup, answer a question, complain and rate; mails arrive."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.web.pages import Pages
from db.models import CaseRating, Complaint, MailOutbox
from integrations.mail import SmtpMailer
from services.mails import send_batch
from tests.support.html import csrf_from, field_error
from tests.support.stack import Stack


@pytest.fixture
async def browser_like(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.api_app), base_url="http://rebound.test") as c:
        yield c


async def file_return(stack: Stack, web: httpx.AsyncClient, *, locale: str = "en") -> tuple[str, dict[str, Any]]:
    """File a return for a new order through the pages; answers its number and the order."""
    order = await stack.order(customer={"email": "lin@example.com", "name": "Lin", "locale": locale})
    page = await web.get("/returns")
    got = await web.post(
        "/returns",
        data={"csrf_token": csrf_from(page.text), "order_number": order["number"], "contact": "lin@example.com"},
    )
    items = await web.get(got.headers["location"])
    review = await web.post(
        "/returns/check",
        data={"csrf_token": csrf_from(items.text), "qty.0": "1", "reason.0": "wrong_size", "resolution": "refund"},
    )
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', review.text))
    done = await web.post("/returns/confirm", data=hidden)
    assert done.status_code == 303, done.text
    return done.headers["location"].rsplit("/", 1)[1], order


async def test_label_deadline_and_carrier_progress_show_on_the_page(stack: Stack, browser_like: httpx.AsyncClient):
    number, _ = await file_return(stack, browser_like)
    await stack.reach(number, "awaiting_shipment")
    page = await browser_like.get(f"/returns/{number}")
    assert "Waiting for you to send the parcel" in page.text and "Ship by " in page.text
    assert "Your return label is ready" in page.text  # the timeline in words, not codes
    pdf = await browser_like.get(f"/returns/{number}/label.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    qr = await browser_like.get(f"/returns/{number}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    tracking = (await stack.case(number))["shipments"][0]["tracking_number"]
    await stack.advance(tracking, "in_transit")
    await stack.reach(number, "in_transit")  # the carrier's webhook became a signal
    async with asyncio.timeout(15):  # the workflow answers before its projection commits: wait for the row
        while True:
            if (await stack.case(number))["shipments"][0]["status"] != "label_created":
                break
            await asyncio.sleep(0.05)  # no event announces the projection's commit to this process
    moved = await browser_like.get(f"/returns/{number}")
    assert "On its way to us" in moved.text and "Cancel my return" not in moved.text
    assert (await browser_like.get(f"/returns/{number}/label.pdf")).status_code == 404  # no label once it's moving


async def test_cancel_before_pickup_through_the_workflow(stack: Stack, browser_like: httpx.AsyncClient):
    number, _ = await file_return(stack, browser_like)
    await stack.reach(number, "awaiting_shipment")
    page = await browser_like.get(f"/returns/{number}")
    got = await browser_like.post(f"/returns/{number}/cancel", data={"csrf_token": csrf_from(page.text)})
    assert got.status_code == 303
    after = await browser_like.get(f"/returns/{number}")
    assert "Your return is cancelled." in after.text and (await stack.case(number))["status"] == "cancelled"


async def test_reply_complaint_and_rating(stack: Stack, browser_like: httpx.AsyncClient):
    number, _ = await file_return(stack, browser_like)
    await stack.reach(number, "awaiting_shipment")
    agent = await stack.staff("agent")
    asked = await stack.api.post(
        f"/api/v1/returns/{number}/request-info", json={"message": "Is the tag still on?"}, headers=agent
    )
    assert asked.status_code == 200, asked.text
    page = await browser_like.get(f"/returns/{number}")
    assert "Is the tag still on?" in page.text
    empty = await browser_like.post(f"/returns/{number}/reply", data={"csrf_token": csrf_from(page.text), "reply": ""})
    assert empty.status_code == 422 and field_error(empty.text, "reply") == "Please fill in this field."
    await browser_like.post(f"/returns/{number}/reply", data={"csrf_token": csrf_from(page.text), "reply": "Yes"})
    timeline = [e["type"] for e in (await stack.case(number))["timeline"]]
    assert timeline[-1] == "customer_replied"
    await browser_like.post(
        f"/returns/{number}/complaint",
        data={"csrf_token": csrf_from(page.text), "kind": "courier", "message": "The driver never came."},
    )
    async with stack.sessionmaker() as s:
        complaint = (await s.scalars(select(Complaint))).one()
    hours = (complaint.due_at - complaint.created_at).total_seconds() / 3600
    assert complaint.kind == "courier" and 47.9 < hours < 48.1
    assert (await stack.case(number))["timeline"][-1]["type"] == "complaint_raised"
    early = await browser_like.post(
        f"/returns/{number}/rating", data={"csrf_token": csrf_from(page.text), "score": "5"}
    )
    assert early.status_code == 303  # refused: not closed yet
    await browser_like.post(f"/returns/{number}/cancel", data={"csrf_token": csrf_from(page.text)})
    closed = await browser_like.get(f"/returns/{number}")
    assert "How did we do?" in closed.text
    await browser_like.post(f"/returns/{number}/rating", data={"csrf_token": csrf_from(page.text), "score": "4"})
    async with stack.sessionmaker() as s:
        assert [r.score for r in await s.scalars(select(CaseRating))] == [4]


async def test_the_approval_mail_carries_the_label_link_in_the_customers_language(
    stack: Stack, browser_like: httpx.AsyncClient
):
    number, _ = await file_return(stack, browser_like, locale="zh-TW")
    await stack.reach(number, "awaiting_shipment")
    mailer = SmtpMailer("127.0.0.1", stack.settings.smtp_port, stack.settings.mail_sender)
    pages = Pages(stack.settings.display_timezone)
    sent = await send_batch(stack.sessionmaker, mailer, pages, stack.settings, now=datetime.now(UTC))
    assert sent == 2  # "we have your request" and "approved, here is your label"
    got = await stack.sandbox.get("/mail/messages", params={"to": "lin@example.com"})
    approved = next(m for m in got.json() if number in m["subject"] and "標籤" in m["subject"])
    link = re.search(r"(http\S+/label\.pdf\?access=\S+)", approved["text"])
    assert link is not None and "請於" in approved["text"]
    stranger = httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.api_app), base_url="http://rebound.test")
    async with stranger:  # another device, no session: the mail's link alone opens the label
        path = link.group(1).split("/", 3)[3]
        pdf = await stranger.get("/" + path)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    again = await send_batch(stack.sessionmaker, mailer, pages, stack.settings, now=datetime.now(UTC))
    async with stack.sessionmaker() as s:
        statuses = list(await s.scalars(select(MailOutbox.status)))
    assert again == 0 and statuses == ["sent", "sent"]
