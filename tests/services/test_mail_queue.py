"""The projection queues the customer's mail with the event it announces: once, in the case's language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from db.models import MailOutbox, ReturnCase
from services.projection import apply_event
from tests.support.factories import create_case
from workflows.contracts import CaseEventIn


def event(seq: int, type_: str, **data: Any) -> CaseEventIn:
    return CaseEventIn(case_number="R-2026-000001", seq=seq, type=type_, actor="ana", at=datetime.now(UTC), data=data)


async def test_each_customer_event_queues_one_mail_and_internal_ones_none(sessionmaker: Any):
    async with sessionmaker() as s:
        case = await create_case(s)
        case.locale = "zh-TW"
        await s.commit()
    for e in [event(1, "rejected", reason="照片顯示商品已使用"), event(1, "rejected"), event(2, "note", text="x")]:
        async with sessionmaker() as s:
            await apply_event(s, e)  # the second is a retry of the first: a no-op, mail included
            await s.commit()
    async with sessionmaker() as s:
        await apply_event(s, event(3, "refund.succeeded", amount=12_900))
        await s.commit()
        mails = list(await s.scalars(select(MailOutbox).order_by(MailOutbox.id)))
        number = (await s.scalars(select(ReturnCase.number))).one()
    assert [(m.template, m.dedupe_key, m.locale) for m in mails] == [
        ("rejected", f"{number}:1", "zh-Hant"),
        ("refunded", f"{number}:3", "zh-Hant"),
    ]
    assert mails[0].context["reasons"] == ["照片顯示商品已使用"] and mails[0].to_address == "mei@example.com"
    assert mails[1].context["amount"] == {"amount": 12_900, "currency": "CNY"}
