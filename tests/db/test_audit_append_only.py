"""The audit log is append-only in the database itself: an entry can be added and read, never changed or removed,
whoever holds a connection (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from db.models import AuditEntry

REFUSED = "audit_log is append-only"


async def test_an_audit_entry_cannot_be_changed_or_removed(sessionmaker: Any) -> None:
    async with sessionmaker() as s:
        s.add(AuditEntry(actor="alice", actor_role="finance", action="refund.goodwill", reason="late parcel"))
        await s.commit()
    tampering = [
        update(AuditEntry).values(actor="mallory"),
        update(AuditEntry).where(AuditEntry.actor == "alice").values(reason=None),
        delete(AuditEntry),
    ]
    for statement in tampering:
        async with sessionmaker() as s:
            with pytest.raises(DBAPIError, match=REFUSED):
                await s.execute(statement)
                await s.commit()
    async with sessionmaker() as s:
        [(actor, reason)] = (await s.execute(select(AuditEntry.actor, AuditEntry.reason))).all()
        assert (actor, reason) == ("alice", "late parcel")
        s.add(AuditEntry(actor="bob", actor_role="admin", action="staff.create"))  # appending still works
        await s.commit()
        assert await s.scalar(select(text("count(*)")).select_from(AuditEntry)) == 2
