"""Queries about the mail outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, MailOutbox, Order


async def customer_of(session: AsyncSession, order_id: int) -> Customer:
    stmt = select(Customer).join(Order, Order.customer_id == Customer.id).where(Order.id == order_id)
    return (await session.scalars(stmt)).one()


async def add_once(session: AsyncSession, mail: MailOutbox) -> None:
    """Add the mail unless one with its dedupe key exists (a replayed event queues nothing more)."""
    found = await session.scalar(select(MailOutbox.id).where(MailOutbox.dedupe_key == mail.dedupe_key))
    if found is None:
        session.add(mail)


async def claim_due(session: AsyncSession, *, now: datetime, until: datetime, limit: int) -> list[MailOutbox]:
    """Pending mails due by `now`, leased until `until` so a second sender skips them (rows locked meanwhile
    on PostgreSQL; SQLite has one writer anyway)."""
    stmt = (
        select(MailOutbox)
        .where(MailOutbox.status == "pending", MailOutbox.next_attempt_at <= now)
        .order_by(MailOutbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(await session.scalars(stmt))
    for row in rows:
        row.next_attempt_at = until
    await session.flush()
    return rows
