"""What customers send besides the return itself: photos, complaints about a case, and a closing rating."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, utcnow

COMPLAINT_KINDS = ("late_refund", "damaged_replacement", "courier", "other")


class CasePhoto(IdMixin, Base):
    """A re-encoded image stored outside the web root under `storage_key`; served only to whoever may read the case."""

    __tablename__ = "case_photos"
    __table_args__ = (CheckConstraint("size_bytes > 0 AND width > 0 AND height > 0", name="dimensions_positive"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[str | None] = mapped_column(String(64))  # the order line it shows, when known
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)  # a random name, never the uploaded one
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))  # "customer" or a staff username
    purpose: Mapped[str] = mapped_column(String(16), default="request")  # request | inspection | evidence
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class Complaint(IdMixin, Base):
    """A customer's complaint about a case: its own SLA and queue; closed only with a reply to the customer."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(f"kind IN {COMPLAINT_KINDS!r}", name="kind_known"),
        CheckConstraint("status IN ('open', 'resolved')", name="status_known"),
        CheckConstraint("status = 'open' OR (reply IS NOT NULL AND resolved_by IS NOT NULL)", name="resolved_replied"),
        Index("ix_complaints_status_due_at", "status", "due_at"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    due_at: Mapped[datetime]
    reply: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class CaseRating(IdMixin, Base):
    """The customer's rating of a closed case (one per case), feeding the supervisors' insights."""

    __tablename__ = "case_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
