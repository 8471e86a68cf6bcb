"""Claim events on a case's timeline reach the merchant as `claim.filed` / `claim.decided` webhooks, with the
claim's kind, amount and outcome, and their ledger movements are written with them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from core.settings import Settings
from db.models import LedgerEntry, WebhookMessage
from domain.insurance import claimed_legs
from services import webhook_endpoints
from services.projection import apply_event
from tests.support.factories import create_case
from workflows.contracts import CaseEventIn, LedgerLeg, LedgerTxn


async def test_claim_events_are_announced_and_booked(sessionmaker, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        case = await create_case(s, status="completed")
        await webhook_endpoints.register(
            s, settings, url="https://erp.example/h", events=["claim.filed", "claim.decided"], description=None, by="t"
        )
        await s.commit()
    filed = LedgerTxn(
        txn_id="claim-R-2026-000001-transit:filed",
        type="insurance_claimed",
        legs=[LedgerLeg.model_validate(x) for x in claimed_legs(10_000, "CNY")],
    )
    events = [
        ("claim.filed", {"kind": "transit", "claim_id": "CLM1", "amount": 10_000}, [filed]),
        ("claim.decided", {"kind": "transit", "outcome": "denied", "amount": 0, "shortfall": 10_000}, []),
    ]
    async with sessionmaker() as s:
        for seq, (kind, data, ledger) in enumerate(events, start=2):
            event = CaseEventIn(
                case_number=case.number,
                seq=seq,
                type=kind,
                actor="system",
                at=datetime.now(UTC),
                data=data,
                ledger=ledger,
            )
            assert await apply_event(s, event)
        await s.commit()
    async with sessionmaker() as s:
        sent = (await s.scalars(select(WebhookMessage).order_by(WebhookMessage.sequence))).all()
        booked = (
            await s.scalars(select(LedgerEntry.amount_minor).where(LedgerEntry.type == "insurance_claimed"))
        ).all()
    assert [m.type for m in sent] == ["claim.filed", "claim.decided"]
    assert sent[0].payload["data"]["amount"] == {"amount": 10_000, "currency": "CNY"}
    assert (sent[1].payload["data"]["kind"], sent[1].payload["data"]["outcome"]) == ("transit", "denied")
    assert "shortfall" not in sent[1].payload["data"]  # only shareable facts leave Rebound
    assert sorted(booked) == [-10_000, 10_000]
