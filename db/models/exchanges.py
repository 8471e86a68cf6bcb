"""The product catalogue exchanges are priced from, and the exchanges, replacements and repairs of cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, JSONType, TimestampMixin

EXCHANGE_KINDS = ("exchange", "replacement")
EXCHANGE_STATUSES = (
    "requested",  # priced when the case opened; stock not yet reserved
    "reserved",  # stock held at the warehouse
    "out_of_stock",  # waiting for the customer's choice: refund or wait
    "waiting_for_stock",  # the customer chose to wait
    "shipped",
    "delivered",
    "released",  # the case was cancelled or the goods failed inspection: stock given back
    "refunded_instead",  # out of stock, payment declined or unshippable: the customer got a refund
)
REPAIR_STATUSES = (
    "requested",  # the goods are on their way to the repair centre
    "at_repair_centre",
    "quoted",  # out of warranty: waiting for the customer's answer to the quote
    "repaired",
    "returned_unrepaired",  # quote declined: sent back as it was
    "not_repairable",
    "delivered",
)


class Product(IdMixin, TimestampMixin, Base):
    """A sellable variant. `product` groups the variants (sizes, colours) of one product; prices are gross
    (tax included) in minor units per currency, the price a customer is charged today. `hs_code` (digits only,
    checked against the WCO nomenclature on input) declares a returned item whose order line carries none."""

    __tablename__ = "products"
    __table_args__ = (CheckConstraint("hs_code IS NULL OR length(hs_code) IN (6, 8, 10)", name="hs_code_length"),)

    sku: Mapped[str] = mapped_column(String(64), unique=True)
    product: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    variant: Mapped[str | None] = mapped_column(String(100))  # "M / navy"
    category: Mapped[str] = mapped_column(String(64))
    prices: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # {"CNY": 25900}
    active: Mapped[bool] = mapped_column(default=True)
    hs_code: Mapped[str | None] = mapped_column(String(10))


class Exchange(IdMixin, TimestampMixin, Base):
    """The new goods of one case: what was asked for at which price, the stock held, the money and the
    parcel. One per case; amounts in the case currency."""

    __tablename__ = "exchanges"
    __table_args__ = (
        UniqueConstraint("case_id"),
        CheckConstraint(f"kind IN {EXCHANGE_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {EXCHANGE_STATUSES!r}", name="status_known"),
        CheckConstraint("credit_minor >= 0 AND new_total_minor >= 0 AND hold_minor >= 0", name="amounts_positive"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), default="requested", index=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # line_id, sku, title, qty, price
    currency: Mapped[str] = mapped_column(String(3))
    credit_minor: Mapped[int] = mapped_column(BigInteger)
    new_total_minor: Mapped[int] = mapped_column(BigInteger)
    hold_minor: Mapped[int] = mapped_column(BigInteger)
    instant: Mapped[bool] = mapped_column(default=False)
    reservation_id: Mapped[str | None] = mapped_column(String(64))
    authorization_id: Mapped[str | None] = mapped_column(String(64))
    authorization_status: Mapped[str | None] = mapped_column(String(16))  # authorized | captured | voided
    charge_id: Mapped[str | None] = mapped_column(String(64))  # the price difference charged
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)  # why it ended as it did (out of stock, declined, ...)
    choice_due_at: Mapped[datetime | None]  # out of stock: the customer chooses by then

    @property
    def difference_minor(self) -> int:
        return self.new_total_minor - self.credit_minor


class Repair(IdMixin, TimestampMixin, Base):
    """A case's repair at the repair centre: its verdict, an out-of-warranty quote, the parcel back."""

    __tablename__ = "repairs"
    __table_args__ = (
        UniqueConstraint("case_id"),
        CheckConstraint(f"status IN {REPAIR_STATUSES!r}", name="status_known"),
        CheckConstraint("quote_minor IS NULL OR quote_minor > 0", name="quote_positive"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(24), default="requested", index=True)
    centre_ref: Mapped[str | None] = mapped_column(String(64), unique=True)  # the repair centre's order id
    quote_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    quote_answer: Mapped[str | None] = mapped_column(String(16))  # accepted | declined | lapsed
    quote_due_at: Mapped[datetime | None]
    charge_id: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
