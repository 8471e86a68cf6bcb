"""Customers, orders, order lines and payment tenders: the facts returns are checked against."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, IdMixin, JSONType, TimestampMixin


class Customer(IdMixin, TimestampMixin, Base):
    __tablename__ = "customers"

    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    locale: Mapped[str] = mapped_column(String(16), default="en")


class Order(IdMixin, TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("shipping_minor >= 0", name="shipping_not_negative"),
        CheckConstraint("discount_minor >= 0", name="discount_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(32), default="web")
    ship_to_country: Mapped[str] = mapped_column(String(2), index=True)
    ship_to: Mapped[dict[str, Any]] = mapped_column(JSONType)
    shipping_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    insurance_shipping_fee: Mapped[bool] = mapped_column(default=False)
    insurance_transit: Mapped[bool] = mapped_column(default=False)
    export_reference: Mapped[str | None] = mapped_column(String(64))
    # When the customer's personal data was removed from this order (retention period over, or erasure on request).
    redacted_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(lazy="raise")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        lazy="raise",
        order_by="OrderLine.position",
        cascade="all, delete-orphan",
    )
    tenders: Mapped[list[Tender]] = relationship(
        back_populates="order",
        lazy="raise",
        order_by="Tender.position",
        cascade="all, delete-orphan",
    )


class OrderLine(IdMixin, Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_minor >= 0", name="unit_price_not_negative"),
        CheckConstraint("tax_minor >= 0", name="tax_not_negative"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int]
    line_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    quantity: Mapped[int]
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # tax for the whole line
    hs_code: Mapped[str | None] = mapped_column(String(16))
    origin_country: Mapped[str | None] = mapped_column(String(2))
    weight_g: Mapped[int | None]

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")


class Tender(IdMixin, Base):
    __tablename__ = "tenders"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    provider_charge_id: Mapped[str | None] = mapped_column(String(64))

    order: Mapped[Order] = relationship(back_populates="tenders", lazy="raise")
