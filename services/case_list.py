"""Finding cases for staff: filters, search, pagination."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, Order, ReturnCase, Shipment, StaffUser

PAGE_SIZE = 50


def _filtered(
    status: str | None, q: str | None, assignee: str | None, sla: str | None, market: str | None, now: datetime
) -> Select[ReturnCase, str]:
    stmt = select(ReturnCase, Order.number).join(Order, Order.id == ReturnCase.order_id)
    if status:
        stmt = stmt.where(ReturnCase.status == status)
    if market:
        stmt = stmt.where(ReturnCase.market == market.upper())
    if assignee:
        stmt = stmt.join(StaffUser, StaffUser.id == ReturnCase.assignee_id).where(StaffUser.username == assignee)
    if sla == "breached":
        stmt = stmt.where(or_(ReturnCase.escalated.is_(True), ReturnCase.sla_due_at < now))
    if q:
        term = q.strip()
        by_tracking = select(Shipment.case_id).where(Shipment.tracking_number == term)
        by_customer = select(Customer.id).where(or_(Customer.email == term.lower(), Customer.phone == term))
        stmt = stmt.where(
            or_(
                ReturnCase.number == term,
                Order.number == term,
                ReturnCase.id.in_(by_tracking),
                Order.customer_id.in_(by_customer),
            )
        )
    return stmt


async def list_cases(
    session: AsyncSession,
    *,
    now: datetime,
    status: str | None = None,
    q: str | None = None,
    assignee: str | None = None,
    sla: str | None = None,
    market: str | None = None,
    page: int = 1,
) -> dict[str, Any]:
    stmt = _filtered(status, q, assignee, sla, market, now)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = await session.execute(
        stmt.order_by(ReturnCase.created_at.desc(), ReturnCase.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return {
        "page": page,
        "page_size": PAGE_SIZE,
        "total": int(total or 0),
        "items": [
            {
                "number": c.number,
                "order_number": order_number,
                "status": c.status,
                "resolution": c.resolution,
                "market": c.market,
                "estimate": {"amount": c.estimate_minor, "currency": c.currency},
                "escalated": c.escalated,
                "sla_due_at": c.sla_due_at.isoformat() if c.sla_due_at else None,
                "created_at": c.created_at.isoformat(),
            }
            for c, order_number in rows
        ],
    }
