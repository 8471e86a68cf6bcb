"""Cross-border returns: customs declarations, duty drawback claims, and the dated FX rates they were valued at."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, JSONType, TimestampMixin, utcnow

DECLARATION_STATUSES = ("needs_classification", "ready", "submitted", "held", "cleared", "refused")
DRAWBACK_STATUSES = ("filed", "paid", "rejected")


class FxRate(IdMixin, Base):
    """A reference rate as published on a day (ECB, bundled offline) or entered by finance; never fetched live."""

    __tablename__ = "fx_rates"
    __table_args__ = (
        UniqueConstraint("on_date", "base", "quote"),
        CheckConstraint("rate > 0", name="rate_positive"),
    )

    on_date: Mapped[date] = mapped_column(Date)
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(24, 12))
    source: Mapped[str] = mapped_column(String(32))  # "ECB" | "manual"
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class CustomsDeclaration(IdMixin, TimestampMixin, Base):
    """The declaration of one return crossing a border, with its duty estimate and the broker's answer."""

    __tablename__ = "customs_declarations"
    __table_args__ = (CheckConstraint(f"status IN {DECLARATION_STATUSES!r}", name="status_known"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"), unique=True)
    from_country: Mapped[str] = mapped_column(String(2))
    to_country: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(24), index=True)
    export_reference: Mapped[str | None] = mapped_column(String(64))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)  # line, HS, description, origin, qty, weight, value
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    estimate: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # duty/tax per line, FX used, waivers
    currency: Mapped[str | None] = mapped_column(String(3))  # the importing country's
    duty_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    payer: Mapped[str] = mapped_column(String(16), default="merchant")  # merchant | customer
    broker_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    broker_note: Mapped[str | None] = mapped_column(Text)


class DrawbackClaim(IdMixin, TimestampMixin, Base):
    """A claim to recover duties paid on the original export, tracked to its payout."""

    __tablename__ = "drawback_claims"
    __table_args__ = (
        CheckConstraint(f"status IN {DRAWBACK_STATUSES!r}", name="status_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="filed")
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    paid_at: Mapped[datetime | None]
