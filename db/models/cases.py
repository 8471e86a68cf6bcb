"""Return cases and their read model: items, timeline events, shipments, ledger entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, IdMixin, JSONType, TimestampMixin, utcnow


class ReturnCase(IdMixin, TimestampMixin, Base):
    __tablename__ = "return_cases"
    __table_args__ = (
        CheckConstraint("last_event_seq >= 0", name="seq_not_negative"),
        Index("ix_return_cases_status_created_at", "status", "created_at"),
        # Keyset pages of the agents' queues: each sort order walks one index (see db/repositories/queues.py).
        Index("ix_return_cases_created_at_id", "created_at", "id"),
        Index("ix_return_cases_estimate_minor_id", "estimate_minor", "id"),
        Index("ix_return_cases_sla_due_at_id", "sla_due_at", "id"),
        Index("ix_return_cases_assignee_id_status", "assignee_id", "status"),  # "my cases"
        # The few escalated cases, for the "breached SLAs" count (a partial index: nearly every case is not).
        Index(
            "ix_return_cases_escalated", "status", postgresql_where=text("escalated"), sqlite_where=text("escalated")
        ),
        # The few cases a customer is waiting on (the "customer replied" view, longest waiting first) and the few
        # with a risk flag (`risk=` walks the newest first): partial, so they stay small at 100,000 cases.
        Index(
            "ix_return_cases_customer_replied_at",
            "customer_replied_at",
            "id",
            postgresql_where=text("customer_replied_at IS NOT NULL"),
            sqlite_where=text("customer_replied_at IS NOT NULL"),
        ),
        Index(
            "ix_return_cases_risky",
            "created_at",
            "id",
            postgresql_where=text("risk_flags <> 0"),
            sqlite_where=text("risk_flags <> 0"),
        ),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    resolution: Mapped[str] = mapped_column(String(32))
    market: Mapped[str] = mapped_column(String(2), index=True)
    warehouse_country: Mapped[str | None] = mapped_column(String(2))  # where the goods come back to
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    estimate_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    policy_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # the answer it was opened with
    customer_token_hash: Mapped[str] = mapped_column(String(64))
    last_event_seq: Mapped[int] = mapped_column(default=0)  # idempotent projection: highest event applied
    workflow_started: Mapped[bool] = mapped_column(default=False, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    sla_due_at: Mapped[datetime | None] = mapped_column(index=True)
    escalated: Mapped[bool] = mapped_column(default=False)
    # Bits of domain.risk.RiskFlag: the review triggers about the customer or the amount it was opened with.
    risk_flags: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # Since when the customer's answer waits for an agent; cleared when staff act on the case or it closes.
    customer_replied_at: Mapped[datetime | None]

    items: Mapped[list[ReturnItem]] = relationship(back_populates="case", lazy="raise", cascade="all, delete-orphan")


class ReturnItem(IdMixin, Base):
    __tablename__ = "return_items"
    __table_args__ = (
        UniqueConstraint("case_id", "order_line_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int]
    reason: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    eligible: Mapped[bool] = mapped_column(default=True)
    refusals: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    grade: Mapped[str | None] = mapped_column(String(1))
    inspection_notes: Mapped[str | None] = mapped_column(Text)
    disposition: Mapped[str | None] = mapped_column(String(32))

    case: Mapped[ReturnCase] = relationship(back_populates="items", lazy="raise")


class CaseEvent(IdMixin, Base):
    """One timeline entry; (case_id, seq) is unique so a retried projection write cannot double it."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Shipment(IdMixin, TimestampMixin, Base):
    __tablename__ = "shipments"

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(16))  # return | outbound
    carrier: Mapped[str] = mapped_column(String(32))
    tracking_number: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    label_url: Mapped[str | None] = mapped_column(String(500))
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # history is appended, never replaced


class LedgerEntry(IdMixin, Base):
    """One leg of a balanced money movement: legs sharing a txn_id sum to zero per currency."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_at_currency", "at", "currency"),)

    txn_id: Mapped[str] = mapped_column(String(80), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("return_cases.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))  # refund, store_credit, restocking_fee, ...
    account: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # signed: debit positive, credit negative
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str | None] = mapped_column(String(120), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Counter(Base):
    """Named counters (case numbers per year): an UPDATE ... RETURNING serialises concurrent callers."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
