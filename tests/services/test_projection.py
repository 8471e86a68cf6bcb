"""The projection applies each numbered event once: retries and late writes change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.models import CaseEvent, LedgerEntry, ReturnCase
from domain.errors import InvalidInput
from services.access import create_staff_user
from services.projection import apply_event
from tests.support.factories import create_case
from workflows.contracts import CaseEventIn, LedgerLeg, LedgerTxn


def _refund_event(seq: int, amount: int = 5_000) -> CaseEventIn:
    txn = LedgerTxn(
        txn_id="refund-R-2026-000001-1",
        type="refund",
        reference="refund-R-2026-000001-1",
        legs=[
            LedgerLeg(account="returns:refunds_expense", amount_minor=amount, currency="CNY"),
            LedgerLeg(account="cash:payment_provider", amount_minor=-amount, currency="CNY"),
        ],
    )
    return CaseEventIn(
        case_number="R-2026-000001",
        seq=seq,
        type="refund.succeeded",
        actor="system",
        at=datetime.now(UTC),
        status="completed",
        ledger=[txn],
    )


async def _counts(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    events = await session.scalar(select(func.count()).select_from(CaseEvent))
    legs = await session.scalar(select(func.count()).select_from(LedgerEntry))
    return int(events or 0), int(legs or 0)


async def test_event_applied_once_even_when_retried(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        await create_case(s)
        await s.commit()
    for _ in range(2):
        async with sessionmaker() as s:
            await apply_event(s, _refund_event(1))
            await s.commit()
    async with sessionmaker() as s:
        assert await _counts(s) == (1, 2)
        case = (await s.scalars(select(ReturnCase))).one()
        assert (case.status, case.last_event_seq) == ("completed", 1)
        total = await s.scalar(select(func.sum(LedgerEntry.amount_minor)))
        assert total == 0


async def test_late_event_does_not_roll_status_back(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        await create_case(s)
        await apply_event(
            s,
            CaseEventIn(
                case_number="R-2026-000001",
                seq=2,
                type="approved",
                actor="agent",
                at=datetime.now(UTC),
                status="approved",
            ),
        )
        applied = await apply_event(
            s,
            CaseEventIn(
                case_number="R-2026-000001",
                seq=1,
                type="requested",
                actor="customer",
                at=datetime.now(UTC),
                status="requested",
            ),
        )
        await s.commit()
        assert applied is False
        assert (await s.scalars(select(ReturnCase))).one().status == "approved"


async def test_unbalanced_ledger_is_refused_and_nothing_written(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        await create_case(s)
        await s.commit()
    bad = _refund_event(1)
    bad.ledger[0].legs[1].amount_minor = -4_999
    async with sessionmaker() as s:
        with pytest.raises(InvalidInput):
            await apply_event(s, bad)
        await s.rollback()
    async with sessionmaker() as s:
        assert await _counts(s) == (0, 0)


async def test_a_customer_reply_waits_for_staff_to_act_and_ends_with_the_case(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    steps = [  # (type, actor, status, the reply marker after it)
        ("info_requested", "ana", None, None),
        ("customer_replied", "customer", None, start + timedelta(minutes=3)),
        ("note", "ana", None, start + timedelta(minutes=3)),  # an internal note answers nobody
        ("assigned", "ana", None, start + timedelta(minutes=3)),
        ("customer_replied", "customer", None, start + timedelta(minutes=3)),  # waiting since the first reply
        ("escalated", "system", None, start + timedelta(minutes=3)),
        ("approved", "ana", "approved", None),
        ("customer_replied", "customer", None, start + timedelta(minutes=9)),
        ("cancelled", "customer", "cancelled", None),  # a closed case needs nobody
    ]
    async with sessionmaker() as s:
        await create_case(s, status="pending_review")
        await create_staff_user(s, "ana", "a long staff password", "agent")
        await s.commit()
    for seq, (type_, actor, status, waiting) in enumerate(steps, start=2):
        async with sessionmaker() as s:
            event = CaseEventIn(
                case_number="R-2026-000001",
                seq=seq,
                type=type_,
                actor=actor,
                at=start + timedelta(minutes=seq),
                status=status,
                data={"message": "Yes, the tag is on"} if type_ == "customer_replied" else {},
            )
            await apply_event(s, event)
            await s.commit()
            case = (await s.scalars(select(ReturnCase))).one()
            assert case.customer_replied_at == waiting, (seq, type_)
