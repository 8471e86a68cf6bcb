"""Outbound webhooks: the merchant's endpoints, the outbox of events (written with the change they announce),
one delivery per event and endpoint, and the log of every attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, JSONType, TimestampMixin, utcnow

DELIVERY_STATUSES = ("pending", "dispatched", "succeeded", "failed")


class WebhookEndpoint(IdMixin, TimestampMixin, Base):
    """A receiver of the merchant's; `previous_secret` still signs until `previous_valid_until` (rotation)."""

    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSONType)  # event types, or ["*"]
    description: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(String(100))  # whsec_<base64>
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_valid_until: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    failed_in_a_row: Mapped[int] = mapped_column(default=0)  # deliveries given up on since the last success
    created_by: Mapped[str] = mapped_column(String(64))


class WebhookMessage(Base):
    """The outbox: one event, its id (the `webhook-id` every delivery of it carries) and its body."""

    __tablename__ = "webhook_messages"
    __table_args__ = (Index("ix_webhook_messages_case_number_sequence", "case_number", "sequence"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("return_cases.id", ondelete="SET NULL"))
    case_number: Mapped[str | None] = mapped_column(String(32))
    sequence: Mapped[int] = mapped_column(default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class WebhookDelivery(IdMixin, Base):
    """One message to one endpoint; `dispatched` means its delivery workflow owns it now."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "endpoint_id"),
        CheckConstraint(f"status IN {DELIVERY_STATUSES!r}", name="status_known"),
        Index("ix_webhook_deliveries_status_id", "status", "id"),
    )

    message_id: Mapped[str] = mapped_column(ForeignKey("webhook_messages.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    resends: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    finished_at: Mapped[datetime | None]


class WebhookAttempt(IdMixin, Base):
    """The delivery log: each request made, what came back, how long it took."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    n: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]
    latency_ms: Mapped[int]
    error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(String(500))
