"""Personal data retention (PIPL / GDPR style): a customer's name, contact, address and what they wrote or
uploaded are removed once their cases are closed past the retention period, or on their request. Ledger, refund,
customs and audit rows keep what accounting law needs: amounts, dates, case and order numbers, never a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CaseEvent, CasePhoto, CaseRating, Complaint, MailOutbox, Order, ReturnItem
from db.repositories.orders import get_customer_by_email
from db.repositories.retention import (
    cases_of_orders,
    customer_orders,
    expired_order_ids,
    orders_with_customer,
    personal_rows,
)
from domain.case_states import CLOSED
from domain.errors import Conflict, NotFound
from services import audit
from services.audit import Who

REDACTED = "[redacted]"
CLOSED_STATUSES = sorted(s.value for s in CLOSED)
_WRITTEN_BY_CUSTOMER = ("text", "message", "comment", "note")  # keys of timeline data a customer typed


@dataclass
class Redaction:
    """What was redacted; `files` are photo files to delete once the transaction has committed."""

    orders: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    customers: int = 0
    files: list[Path] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"orders": self.orders, "cases": self.cases, "customers": self.customers, "photos": len(self.files)}


async def redact_orders(session: AsyncSession, orders: list[Order], upload_dir: Path, now: datetime) -> Redaction:
    """Remove personal data from these orders, their cases and (once all their orders are done) their customers.
    Flushes; the caller commits, then deletes `files`."""
    done = Redaction(orders=[o.number for o in orders])
    cases = await cases_of_orders(session, [o.id for o in orders])
    done.cases = [c.number for c in cases]
    rows = await personal_rows(session, [c.id for c in cases]) if cases else {}
    for order in orders:
        order.ship_to = {"country": order.ship_to_country, "redacted": True}
        order.redacted_at = now
    for row in rows.get("items", []):
        assert isinstance(row, ReturnItem)
        row.comment = None
    for row in rows.get("complaints", []):
        assert isinstance(row, Complaint)
        row.message, row.reply = REDACTED, (REDACTED if row.reply else None)
    for row in rows.get("ratings", []):
        assert isinstance(row, CaseRating)
        row.comment = None
    for row in rows.get("photos", []):
        assert isinstance(row, CasePhoto)
        done.files.append(upload_dir / row.storage_key)
        await session.delete(row)
    for row in rows.get("mails", []):
        assert isinstance(row, MailOutbox)
        row.to_address, row.context = "redacted@invalid.example", {}
        if row.status == "pending":  # never sent now: there is nobody left to send it to
            row.status, row.last_error = "failed", "personal data erased"
    for row in rows.get("events", []):
        assert isinstance(row, CaseEvent)
        if row.actor == "customer" and any(k in row.data for k in _WRITTEN_BY_CUSTOMER):
            row.data = {k: (REDACTED if k in _WRITTEN_BY_CUSTOMER else v) for k, v in row.data.items()}
    await session.flush()
    for customer in {o.customer.id: o.customer for o in orders}.values():
        if all(o.redacted_at is not None for o in await customer_orders(session, customer.id)):
            customer.name, customer.phone = REDACTED, None
            customer.email = f"redacted-{customer.id}@invalid.example"  # unique, and reaches nobody
            done.customers += 1
    await session.flush()
    return done


async def redact_expired(
    session: AsyncSession, *, now: datetime, days: int, upload_dir: Path, batch: int = 500
) -> Redaction:
    """Redact the orders whose cases all closed more than `days` ago (one batch); audited as the system."""
    ids = await expired_order_ids(session, CLOSED_STATUSES, now - timedelta(days=days), batch)
    if not ids:
        return Redaction()
    done = await redact_orders(session, await orders_with_customer(session, ids), upload_dir, now)
    reason = f"retention period of {days} days over"
    summary = {k: v for k, v in done.summary().items() if k != "customers"} | {"customers": done.customers}
    await audit.record(session, Who("retention", "system"), "retention.redact", reason=reason, after=summary)
    return done


async def export_customer(session: AsyncSession, email: str) -> dict[str, Any]:
    """Everything Rebound holds about the customer with this email, as JSON (a data subject access request)."""
    customer = await get_customer_by_email(session, email)
    if customer is None:
        raise NotFound("no customer with that email address", code="customer_not_found")
    orders = await customer_orders(session, customer.id)
    cases = await cases_of_orders(session, [o.id for o in orders])
    rows = await personal_rows(session, [c.id for c in cases]) if cases else {}
    by_case = {c.id: c.number for c in cases}

    def of_case(name: str, *fields: str) -> list[dict[str, Any]]:
        return [{"case": by_case[r.case_id], **{f: _plain(getattr(r, f)) for f in fields}} for r in rows.get(name, [])]  # type: ignore[attr-defined]

    return {
        "customer": {"id": customer.id, "email": customer.email, "name": customer.name, "phone": customer.phone},
        "orders": [{"number": o.number, "placed_at": o.placed_at.isoformat(), "ship_to": o.ship_to} for o in orders],
        "cases": [{"number": c.number, "status": c.status, "created_at": c.created_at.isoformat()} for c in cases],
        "items": of_case("items", "reason", "quantity", "comment"),
        "complaints": of_case("complaints", "kind", "message", "reply", "created_at"),
        "ratings": of_case("ratings", "score", "comment"),
        "photos": of_case("photos", "id", "content_type", "created_at"),
        "mails": of_case("mails", "to_address", "template", "status", "sent_at"),
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def erase_customer(session: AsyncSession, email: str, *, now: datetime, upload_dir: Path) -> Redaction:
    """Erase the customer's personal data now, on request; refused while a case of theirs is still open."""
    customer = await get_customer_by_email(session, email)
    if customer is None:
        raise NotFound("no customer with that email address", code="customer_not_found")
    orders = await customer_orders(session, customer.id)
    still_open = [c.number for c in await cases_of_orders(session, [o.id for o in orders]) if c.status not in CLOSED]
    if still_open:
        raise Conflict(f"cases still open: {', '.join(still_open)}; erase once they are closed", code="cases_open")
    return await redact_orders(session, orders, upload_dir, now)
