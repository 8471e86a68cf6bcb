"""What an agent sees of one case: the case as the API shows it, plus the customer, order lines, ledger,
photos, complaints and audit trail; and resolving a complaint with the reply the customer gets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Complaint, MailOutbox, ReturnCase
from db.repositories import workspace as repo
from db.repositories.audit import entries_for_case
from db.repositories.mails import add_once, customer_of
from db.repositories.queues import case_staff
from domain.errors import Conflict, NotFound
from domain.messages import normalize_locale
from services.case_views import case_view
from services.photos import list_photos


async def case_page(session: AsyncSession, case: ReturnCase) -> dict[str, Any]:
    """Everything the case page shows, read from the projection in one session."""
    view = await case_view(session, case)
    order, customer = await repo.order_and_customer(session, case)
    lines = {li.line_id: li for li in await repo.order_lines(session, order.id)}
    photos = await list_photos(session, case.id)
    for item in view["items"]:
        line = lines.get(item["line_id"])
        item["title"] = line.title if line else item["line_id"]
        item["sku"] = line.sku if line else ""
        item["unit_price"] = {"amount": line.unit_price_minor, "currency": order.currency} if line else None
        item["photos"] = [p for p in photos if p.line_id in (None, item["line_id"])]
    return {
        "case": view,
        "seq": case.last_event_seq,
        "customer": {"name": customer.name, "email": customer.email, "phone": customer.phone},
        "order": {
            "number": order.number,
            "channel": order.channel,
            "placed_at": order.placed_at,
            "delivered_at": order.delivered_at,
            "ship_to_country": order.ship_to_country,
        },
        "photos": photos,
        "ledger": await repo.ledger_lines(session, case.id),
        "complaints": await repo.complaints_of(session, case.id),
        "audit": await entries_for_case(session, case.number, limit=50),
        "assignee": await repo.assignee_name(session, case),
        "staff_names": await case_staff(session),
    }


async def resolve_complaint(session: AsyncSession, complaint_id: int, reply: str, by: str, now: datetime) -> Complaint:
    """Close a complaint with the reply the customer reads (a complaint never closes without one)."""
    complaint = await repo.get_complaint(session, complaint_id)
    if complaint is None:
        raise NotFound("no such complaint", code="complaint_not_found")
    if complaint.status != "open":
        raise Conflict("this complaint is already resolved", code="complaint_resolved")
    complaint.status, complaint.reply, complaint.resolved_by, complaint.resolved_at = "resolved", reply, by, now
    await _mail_reply(session, complaint, reply)
    await session.flush()
    return complaint


async def _mail_reply(session: AsyncSession, complaint: Complaint, reply: str) -> None:
    """The reply goes to the customer by mail, queued in the same transaction as the resolution (sent once)."""
    case = await session.get(ReturnCase, complaint.case_id)
    if case is None:
        return
    customer = await customer_of(session, case.order_id)
    mail = MailOutbox(
        dedupe_key=f"complaint:{complaint.id}",
        case_id=case.id,
        to_address=customer.email,
        locale=normalize_locale(case.locale),
        template="complaint_reply",
        context={"number": case.number, "name": customer.name, "reply": reply},
    )
    await add_once(session, mail)
