"""The mails a customer reads when their return is refused or refunded reach the SMTP sink in their own language,
with the reasons and the amount, and each is sent once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.web.pages import Pages
from integrations.mail import SmtpMailer
from services.mails import send_batch
from tests.support.stack import Stack


async def deliver_mails(stack: Stack) -> int:
    mailer = SmtpMailer("127.0.0.1", stack.settings.smtp_port, stack.settings.mail_sender)
    pages = Pages(stack.settings.display_timezone)
    return await send_batch(stack.sessionmaker, mailer, pages, stack.settings, now=datetime.now(UTC))


async def inbox(stack: Stack, address: str, number: str) -> list[dict[str, Any]]:
    got = await stack.sandbox.get("/mail/messages", params={"to": address})
    assert got.status_code == 200, got.text
    return [m for m in got.json() if number in m["subject"]]


async def test_a_refused_return_mails_its_reasons_in_the_customers_language(stack: Stack) -> None:
    order = await stack.order(delivered_days_ago=20, email="mei.refused@example.com")  # zh-Hans, past CN's 7 days
    created = await stack.open_return(order)
    assert created.json()["decision"] == "reject", created.text
    number = created.json()["number"]
    await stack.reach(number, "rejected")
    await deliver_mails(stack)
    mails = await inbox(stack, "mei.refused@example.com", number)
    [mail] = [m for m in mails if m["subject"] == f"无法受理您的退货 {number}"]
    closed = datetime.fromisoformat(order["delivered_at"]) + timedelta(days=7)
    assert f"很抱歉，我们无法受理您的退货 {number}。" in mail["text"]
    # The same reason the customer saw on the page, naming the day the window closed.
    assert created.json()["items"][0]["reasons"][0] in mail["text"]
    assert f"{closed.month}月{closed.day}日" in mail["text"]
    assert f"/returns/{number}" in mail["text"]  # where to ask us to look again
    assert await deliver_mails(stack) == 0  # nothing is sent twice


async def test_a_refund_mail_names_the_amount_once_the_provider_paid(stack: Stack) -> None:
    order = await stack.order(amount=8_800, email="lin.refunded@example.com")
    order_locale = order["customer"]["locale"]
    number = (await stack.open_return(order)).json()["number"]
    await stack.through_to_refund(number)
    await deliver_mails(stack)
    mails = await inbox(stack, "lin.refunded@example.com", number)
    [refunded] = [m for m in mails if m["subject"] == f"退货 {number} 的退款已发出"]
    assert order_locale == "zh-Hans"
    assert f"我们已为退货 {number} 退款" in refunded["text"] and "88.00" in refunded["text"]
    assert "至您的原支付方式" in refunded["text"]
    assert await deliver_mails(stack) == 0
