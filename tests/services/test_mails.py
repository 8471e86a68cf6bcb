"""The mail outbox sender: sends what is due in the customer's language, retries failures with backoff,
and gives up (marked failed) after its last attempt; an event queues its mail once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from api.web.pages import Pages
from core.settings import Settings
from db.models import MailOutbox
from integrations.mail import RecordingMailer
from services.mails import MAX_ATTEMPTS, send_batch

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class DownMailer(RecordingMailer):
    async def send(self, **kwargs: Any) -> str:
        raise ConnectionRefusedError("SMTP relay is down")


async def queue(sessionmaker: Any, locale: str = "zh-Hant") -> None:
    async with sessionmaker() as s:
        s.add(
            MailOutbox(
                dedupe_key="R-2026-000001:1",
                to_address="mei@example.com",
                locale=locale,
                template="received",
                context={"number": "R-2026-000001", "name": "Mei", "estimate": {"amount": 12900, "currency": "TWD"}},
                next_attempt_at=NOW,
            )
        )
        await s.commit()


async def rows(sessionmaker: Any) -> list[MailOutbox]:
    async with sessionmaker() as s:
        return list(await s.scalars(select(MailOutbox)))


async def test_a_due_mail_goes_out_once_in_the_customers_language(sessionmaker: Any, settings: Settings):
    await queue(sessionmaker)
    mailer = RecordingMailer()
    assert await send_batch(sessionmaker, mailer, Pages(), settings, now=NOW) == 1
    assert await send_batch(sessionmaker, mailer, Pages(), settings, now=NOW + timedelta(hours=1)) == 0
    (mail,) = mailer.sent
    assert mail["Subject"] == "已收到您的退貨申請 R-2026-000001" and mail["To"] == "mei@example.com"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "R-2026-000001?access=" in text and text.count(settings.public_base_url) == 1
    (row,) = await rows(sessionmaker)
    assert row.status == "sent" and row.message_id == mail["Message-ID"]


async def test_failures_back_off_then_give_up(sessionmaker: Any, settings: Settings):
    await queue(sessionmaker)
    when = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await send_batch(sessionmaker, DownMailer(), Pages(), settings, now=when) == 0
        (row,) = await rows(sessionmaker)
        assert row.attempts == attempt and "SMTP relay is down" in (row.last_error or "")
        assert await send_batch(sessionmaker, DownMailer(), Pages(), settings, now=when) == 0  # not due yet
        when = row.next_attempt_at
    assert row.status == "failed"
