"""Insurance claims of return cases: shipping-fee and transit claims, tracked from filing to the insurer's answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, JSONType, TimestampMixin

CLAIM_KINDS = ("shipping_fee", "transit")
CLAIM_STATUSES = ("filing", "submitted", "more_evidence", "approved", "partial", "denied", "lapsed")


class InsuranceClaim(IdMixin, TimestampMixin, Base):
    """One claim per case and kind; amounts in the case currency."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("case_id", "kind"),
        CheckConstraint(f"kind IN {CLAIM_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {CLAIM_STATUSES!r}", name="status_known"),
        CheckConstraint("claimed_minor > 0", name="claimed_positive"),
        CheckConstraint("paid_minor >= 0 AND paid_minor <= claimed_minor", name="paid_within_claim"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True, default="filing")
    reference: Mapped[str] = mapped_column(String(96), unique=True)  # claim-<case>-<kind>: the insurer key
    claimed_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    trigger: Mapped[str] = mapped_column(String(32))  # picked_up | lost | damaged | inspection
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    insurer_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    insurer_note: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime]  # the insurer's filing deadline (from the policy snapshot)
    decided_at: Mapped[datetime | None]
