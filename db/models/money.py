"""Refunds as Rebound asked the provider for them, one row per tender and idempotency key."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin


class Refund(IdMixin, TimestampMixin, Base):
    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"), index=True)
    n: Mapped[int]  # the case's refund number (refund-<case>-<n>); one row per tender it is paid back to
    tender_position: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)  # refund-<case>-<n>-<tender>
    kind: Mapped[str] = mapped_column(String(16))  # refund | store_credit
    tender_type: Mapped[str] = mapped_column(String(16))
    charge_id: Mapped[str | None] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # pending | succeeded | failed
    provider_refund_id: Mapped[str | None] = mapped_column(String(64), index=True)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
