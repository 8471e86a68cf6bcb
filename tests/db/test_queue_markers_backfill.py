"""Migration 0014 on both databases: cases opened before it get their risk flags from their stored eligibility
answer, and the open ones whose last customer reply no staff member has acted on show it as waiting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import select

from db.models import CaseEvent, ReturnCase
from domain.risk import RiskFlag
from services.access import create_staff_user
from tests.support.databases import alembic_config
from tests.support.factories import create_case

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _review(*codes: str) -> dict[str, object]:
    return {"decision": "review", "review": [{"code": c, "params": {}} for c in codes]}


# number -> (status, eligibility, its timeline after "requested": (type, actor))
CASES: dict[str, tuple[str, dict[str, object], list[tuple[str, str]]]] = {
    "R-2026-000001": ("pending_review", _review("high_value", "blocklisted"), []),
    "R-2026-000002": ("pending_review", _review("unknown_fault", "high_return_rate"), []),
    "R-2026-000003": ("approved", {"decision": "approve", "review": []}, []),
    "R-2026-000004": ("pending_review", _review("empty_box_history"), [
        ("info_requested", "ana"), ("customer_replied", "customer"), ("note", "ana"), ("customer_replied", "customer"),
    ]),
    "R-2026-000005": ("approved", {}, [
        ("info_requested", "ana"), ("customer_replied", "customer"), ("approved", "ana"),
    ]),
    "R-2026-000006": ("cancelled", {}, [("info_requested", "ana"), ("customer_replied", "customer")]),
}  # fmt: skip


async def test_backfill_sets_risk_flags_and_unanswered_replies(settings, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        await create_staff_user(s, "ana", "a long staff password", "agent")
        for number, (status, eligibility, timeline) in CASES.items():
            case = await create_case(s, number=number, status=status)
            case.eligibility = eligibility
            for seq, (type_, actor) in enumerate(timeline, start=2):
                s.add(CaseEvent(case_id=case.id, seq=seq, type=type_, actor=actor, at=T0 + timedelta(minutes=seq)))
        await s.commit()
    cfg = alembic_config(settings.database_url)
    await asyncio.to_thread(command.downgrade, cfg, "-1")  # as the rows were before 0014
    await asyncio.to_thread(command.upgrade, cfg, "head")
    async with sessionmaker() as s:
        rows = await s.execute(select(ReturnCase.number, ReturnCase.risk_flags, ReturnCase.customer_replied_at))
        found = {number: (flags, replied) for number, flags, replied in rows}
    assert found == {
        "R-2026-000001": (RiskFlag.HIGH_VALUE | RiskFlag.BLOCKLISTED, None),
        "R-2026-000002": (RiskFlag.HIGH_RETURN_RATE, None),
        "R-2026-000003": (0, None),
        "R-2026-000004": (RiskFlag.EMPTY_BOX_HISTORY, T0 + timedelta(minutes=3)),  # the note answered nobody
        "R-2026-000005": (0, None),  # the agent approved after the reply
        "R-2026-000006": (0, None),  # closed
    }
