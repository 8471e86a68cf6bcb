"""The case as API.md shows it, read from the projection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CaseEvent, Order, OrderLine, Refund, ReturnCase, ReturnItem, Shipment
from db.repositories.customs import declaration_for, drawback_for
from domain.errors import NotFound
from services.claims import claims_view
from services.exchange_views import exchanges_view, repair_view
from services.held_refunds import hold_of


async def find_case(session: AsyncSession, number: str) -> ReturnCase | None:
    return (await session.scalars(select(ReturnCase).where(ReturnCase.number == number))).one_or_none()


async def get_case(session: AsyncSession, number: str) -> ReturnCase:
    case = await find_case(session, number)
    if case is None:
        raise NotFound(f"no return case {number}", code="case_not_found")
    return case


def _money(minor: int, currency: str) -> dict[str, Any]:
    return {"amount": minor, "currency": currency}


async def case_view(session: AsyncSession, case: ReturnCase, *, with_timeline: bool = True) -> dict[str, Any]:
    cur = case.currency
    order_number = await session.scalar(select(Order.number).where(Order.id == case.order_id))
    items = await session.execute(
        select(ReturnItem, OrderLine.line_id)
        .join(OrderLine, OrderLine.id == ReturnItem.order_line_id)
        .where(ReturnItem.case_id == case.id)
        .order_by(ReturnItem.id)
    )
    shipments = await session.scalars(select(Shipment).where(Shipment.case_id == case.id).order_by(Shipment.id))
    refunds = await session.scalars(
        select(Refund).where(Refund.case_id == case.id).order_by(Refund.n, Refund.tender_position)
    )
    elig = case.eligibility or {}
    view: dict[str, Any] = {
        "number": case.number,
        "order_number": order_number,
        "status": case.status,
        "resolution": case.resolution,
        "market": case.market,
        "created_at": case.created_at.isoformat(),
        "estimate": _money(case.estimate_minor, cur),
        "decision": elig.get("decision"),
        "refusals": elig.get("refusals", []),
        "items": [
            {
                "line_id": line_id,
                "quantity": it.quantity,
                "reason": it.reason,
                "comment": it.comment,
                "eligible": it.eligible,
                "refusals": it.refusals,
                "inspection": {"grade": it.grade, "notes": it.inspection_notes, "disposition": it.disposition}
                if it.grade
                else None,
            }
            for it, line_id in items
        ],
        "shipments": [
            {
                "direction": s.direction,
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "status": s.status,
                "label_url": s.label_url,
                "events": s.events,
            }
            for s in shipments
        ],
        "refunds": [
            {
                "id": r.idempotency_key,
                "amount": _money(r.amount_minor, r.currency),
                "status": r.status,
                "tender": r.tender_type,
                "kind": r.kind,
                "provider_refund_id": r.provider_refund_id,
            }
            for r in refunds
        ],
        "exchanges": await exchanges_view(session, case),
        "repair": await repair_view(session, case),
        "claims": await claims_view(session, case),
        "customs": await customs_view(session, case),
        "deadlines": await _deadlines(session, case),
        "escalated": case.escalated,
        "hold": await hold_of(session, case),  # "refund_failed": held for finance
    }
    if with_timeline:
        events = await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
        view["timeline"] = [
            {"seq": e.seq, "at": e.at.isoformat(), "type": e.type, "actor": e.actor, "data": e.data} for e in events
        ]
    return view


async def customs_view(session: AsyncSession, case: ReturnCase) -> dict[str, Any] | None:
    """The declaration of a cross-border return: items, estimate, the broker's answer, any drawback claim."""
    row = await declaration_for(session, case.id)
    if row is None:
        return None
    claim = await drawback_for(session, case.id)
    money = row.currency or case.currency
    return {
        "status": row.status,
        "from_country": row.from_country,
        "to_country": row.to_country,
        "export_reference": row.export_reference,
        "items": row.items,
        "problems": row.problems,
        "estimate": row.estimate,
        "duty": _money(row.duty_minor, money),
        "tax": _money(row.tax_minor, money),
        "payer": row.payer,
        "broker_ref": row.broker_ref,
        "broker_note": row.broker_note,
        "drawback": {
            "amount": _money(claim.amount_minor, claim.currency),
            "status": claim.status,
            "reference": claim.reference,
        }
        if claim
        else None,
    }


async def _deadlines(session: AsyncSession, case: ReturnCase) -> dict[str, Any]:
    """Deadlines a person cares about: from the eligibility answer, updated by what the workflow recorded."""
    found = dict((case.eligibility or {}).get("deadlines") or {})
    events = await session.scalars(
        select(CaseEvent.data).where(
            CaseEvent.case_id == case.id, CaseEvent.type.in_(("label_issued", "carrier.delivered"))
        )
    )
    for data in events:
        if "ship_by" in data:
            found["ship_by"] = data["ship_by"]
        if "refund_due_by" in data:
            found["refund_due"] = data["refund_due_by"]
    if case.sla_due_at is not None:
        found["sla_due_at"] = case.sla_due_at.isoformat()
    return {k: v for k, v in found.items() if v}
