"""An SLA breach tells the supervisors by mail, queued with the escalation event; other escalations do not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from api.web.pages import Pages
from core.settings import Settings
from db.models import MailOutbox
from integrations.mail import RecordingMailer
from services.mails import send_batch
from services.projection import apply_event
from tests.support.factories import create_case
from workflows.contracts import CaseEventIn

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BOSS = "supervisors@rebound.example"


def escalated(seq: int, escalation: str) -> CaseEventIn:
    data = {"escalation": escalation, "due_at": "2026-11-29T08:00:00+00:00"}
    return CaseEventIn(case_number="R-2026-000001", seq=seq, type="escalated", actor="system", at=NOW, data=data)


async def test_a_breach_queues_one_mail_to_the_supervisors_and_it_links_the_case(
    sessionmaker: Any, settings: Settings
) -> None:
    async with sessionmaker() as s:
        await create_case(s)
        await s.commit()
    for event in (
        escalated(1, "review_sla_breached"),
        escalated(1, "review_sla_breached"),
        escalated(2, "refund_failed"),
    ):
        async with sessionmaker() as s:
            await apply_event(s, event, supervisors=BOSS)  # the second is a retry: nothing more is queued
            await s.commit()
    async with sessionmaker() as s:
        mails = list(await s.scalars(select(MailOutbox).order_by(MailOutbox.id)))
    assert [(m.template, m.to_address, m.context["sla"]) for m in mails] == [("sla_breached", BOSS, "review")]

    mailer = RecordingMailer()
    # The mail is due from when it was queued (the wall clock), whatever the event's own time.
    assert await send_batch(sessionmaker, mailer, Pages(), settings, now=datetime.now(UTC)) == 1
    (sent,) = mailer.sent
    assert sent["Subject"] == "SLA breached: return R-2026-000001 waited too long for agent review"
    body = sent.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert f"{settings.public_base_url}/workspace/cases/R-2026-000001" in text and "access=" not in text


async def test_without_a_supervisor_address_the_projection_queues_no_staff_mail(sessionmaker: Any) -> None:
    async with sessionmaker() as s:
        await create_case(s)
        await s.commit()
        await apply_event(s, escalated(1, "inspection_sla_breached"))
        await s.commit()
        assert list(await s.scalars(select(MailOutbox.template))) == []
