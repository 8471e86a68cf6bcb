"""The audit log: append-only (the application never updates or deletes a row, and triggers from migration 0013 make
the database refuse it too), exported for auditors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, JSONType, utcnow


class AuditEntry(IdMixin, Base):
    """Who did what, when, from where, to which case or record, with the state before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_case_number_at", "case_number", "at"),)

    at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)  # a staff username, "customer", "system", a key name
    actor_role: Mapped[str] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. case.approve, refund.goodwill, staff.create
    case_number: Mapped[str | None] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(128))  # what else it touched: a user, a key, a discrepancy
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    outcome: Mapped[str] = mapped_column(String(16), default="done")  # done | refused
