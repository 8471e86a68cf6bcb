"""Reconciliation runs against the provider's settlement reports, and the discrepancies finance resolves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, IdMixin, JSONType, utcnow
from domain.reconciliation import Kind

DISCREPANCY_KINDS = tuple(kind.value for kind in Kind)


class ReconciliationRun(IdMixin, Base):
    """One imported settlement report: kept with its totals so finance can show and export it later."""

    __tablename__ = "reconciliation_runs"
    __table_args__ = (
        CheckConstraint("rows_total >= 0 AND refund_rows >= 0 AND matched >= 0", name="counts_not_negative"),
        CheckConstraint("status IN ('reconciled', 'open', 'resolved')", name="status_known"),
    )

    filename: Mapped[str] = mapped_column(String(255))
    period_from: Mapped[datetime | None]
    period_to: Mapped[datetime | None]  # exclusive
    status: Mapped[str] = mapped_column(String(16))  # reconciled (nothing to do) | open | resolved
    rows_total: Mapped[int]
    refund_rows: Mapped[int]
    matched: Mapped[int]
    discrepancy_count: Mapped[int]
    totals: Mapped[dict[str, Any]] = mapped_column(JSONType)  # per currency: rows and gross, fees, net in minor units
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now(), index=True)

    discrepancies: Mapped[list[Discrepancy]] = relationship(
        back_populates="run", lazy="raise", cascade="all, delete-orphan", order_by="Discrepancy.id"
    )


class Discrepancy(IdMixin, Base):
    """A report row or one of our refunds that did not reconcile; resolved by finance with a note."""

    __tablename__ = "discrepancies"
    __table_args__ = (
        CheckConstraint(f"kind IN {DISCREPANCY_KINDS!r}", name="kind_known"),
        CheckConstraint("(expected_minor IS NULL) = (expected_currency IS NULL)", name="expected_has_currency"),
        CheckConstraint("(actual_minor IS NULL) = (actual_currency IS NULL)", name="actual_has_currency"),
        CheckConstraint("(resolved_at IS NULL) = (resolved_by IS NULL)", name="resolution_has_author"),
        Index("ix_discrepancies_run_id_kind", "run_id", "kind"),
    )

    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    provider_txn_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reference: Mapped[str | None] = mapped_column(String(120), index=True)  # our idempotency key
    expected_minor: Mapped[int | None] = mapped_column(BigInteger)  # what we paid, positive
    expected_currency: Mapped[str | None] = mapped_column(String(3))
    actual_minor: Mapped[int | None] = mapped_column(BigInteger)  # what the provider paid, positive for a refund
    actual_currency: Mapped[str | None] = mapped_column(String(3))
    line: Mapped[int | None]  # in the uploaded file, so finance can find the row
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    run: Mapped[ReconciliationRun] = relationship(back_populates="discrepancies", lazy="raise")
