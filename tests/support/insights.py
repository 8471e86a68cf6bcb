"""Built cases for the insights tests: two returns that came back (one breached its review SLA) and one
cancelled request, with items, timelines, parcels, ratings and complaints written directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import CaseEvent, CaseRating, Complaint, OrderLine, ReturnCase, ReturnItem, Shipment
from domain.insights import Scope
from tests.support.builders import line
from tests.support.factories import create_case

NOW = datetime.now(UTC)
ALL = Scope(NOW - timedelta(days=30), NOW + timedelta(days=1))


async def build_case(
    s: AsyncSession,
    number: str,
    *,
    country: str = "CN",
    channel: str = "web",
    lines: list[dict[str, Any]],
    returned: dict[str, tuple[int, str, str | None, str | None]],  # line → (qty, reason, grade, disposition)
    events: list[tuple[str, dict[str, Any], float]],  # (type, data, hours after the request)
    status: str = "completed",
    carrier: str | None = None,
    delivered_after_h: float | None = None,
) -> ReturnCase:
    opened = NOW - timedelta(days=3)
    case = await create_case(
        s, number=number, status=status, country=country, created_at=opened, lines=lines, channel=channel
    )
    ids = {li.line_id: li.id for li in await s.scalars(select(OrderLine).where(OrderLine.order_id == case.order_id))}
    for line_id, (qty, reason, grade, disposition) in returned.items():
        s.add(
            ReturnItem(
                case_id=case.id,
                order_line_id=ids[line_id],
                quantity=qty,
                reason=reason,
                grade=grade,
                disposition=disposition,
            )
        )
    for seq, (type_, data, hours) in enumerate(events, 1):
        s.add(
            CaseEvent(
                case_id=case.id, seq=seq, type=type_, actor="system", data=data, at=opened + timedelta(hours=hours)
            )
        )
    if carrier:
        label_at = opened + timedelta(hours=1)
        delivered = (
            [{"status": "delivered", "occurred_at": (label_at + timedelta(hours=delivered_after_h)).isoformat()}]
            if delivered_after_h is not None
            else []
        )
        s.add(
            Shipment(
                case_id=case.id,
                direction="return",
                carrier=carrier,
                tracking_number=f"T-{number}",
                status="delivered" if delivered else "in_transit",
                events=delivered,
                created_at=label_at,
            )
        )
    await s.flush()
    return case


REVIEW: tuple[str, dict[str, Any], float] = ("review_sla_started", {}, 0)
BREACH = ("escalated", {"escalation": "review_sla_breached"}, 49)


async def build_sample(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The three cases the insights tests read."""
    async with sessionmaker() as s:
        first = await build_case(
            s,
            "R-2026-000001",
            lines=[line("L1", sku="TEE", quantity=4), line("L2", sku="BOOT", category="shoes")],
            returned={"L1": (2, "wrong_size", "A", "restock"), "L2": (1, "defective", "C", "refurbish")},
            events=[REVIEW, ("approved", {}, 2), ("refund.succeeded", {"amount": 1}, 48)],
            carrier="sf-express",
            delivered_after_h=24,
        )
        second = await build_case(
            s,
            "R-2026-000002",
            country="HK",
            channel="marketplace",
            lines=[line("L1", sku="TEE", quantity=2)],
            returned={"L1": (1, "wrong_size", None, None)},
            events=[REVIEW, BREACH, ("approved", {}, 50), ("store_credit.issued", {"amount": 1}, 10)],
            carrier="kerry",
            status="in_transit",
        )
        await build_case(
            s,
            "R-2026-000003",
            lines=[line("L1", sku="TEE", quantity=3)],
            returned={"L1": (3, "changed_mind", None, None)},
            events=[("cancelled", {}, 1)],
            status="cancelled",
        )
        s.add_all([CaseRating(case_id=first.id, score=5), CaseRating(case_id=second.id, score=2)])
        s.add_all(
            [
                Complaint(case_id=first.id, kind="courier", message="late pickup", due_at=NOW),
                Complaint(
                    case_id=second.id,
                    kind="courier",
                    message="rude",
                    due_at=NOW,
                    status="resolved",
                    reply="sorry",
                    resolved_by="ana",
                ),
                Complaint(case_id=second.id, kind="late_refund", message="where", due_at=NOW),
            ]
        )
        await s.commit()
