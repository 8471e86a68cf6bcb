"""The items form: one row per order line (quantity, reason, comment), read back into the return request.
Fields are named by the line's position (`qty.0`, `reason.0`, ...), never by ids the browser could invent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.web.forms import Form
from api.web.i18n import N_
from db.models import Order
from domain.money import Money
from domain.orders import OrderFacts
from domain.reasons import Reason
from services.return_input import ReturnInput, ReturnItemIn

RESOLUTIONS = ("refund", "store_credit", "exchange", "repair")  # offered; the service says which work online
MAX_COMMENT = 2000


@dataclass(frozen=True)
class LineRow:
    """One order line as the form shows it."""

    n: int
    line_id: str
    title: str
    sku: str
    bought: int
    remaining: int  # units not yet in another live return
    unit_price: Money


def line_rows(order: Order, facts: OrderFacts) -> list[LineRow]:
    return [
        LineRow(
            n=n,
            line_id=li.line_id,
            title=li.title,
            sku=li.sku,
            bought=li.quantity,
            remaining=facts.remaining_quantity(li.line_id),
            unit_price=Money(li.unit_price_minor, order.currency),
        )
        for n, li in enumerate(order.lines)
    ]


def _quantity(form: Form, row: LineRow) -> int:
    raw = str(form.values.get(f"qty.{row.n}", "") or "0").strip()
    if not raw.isdigit():
        form.error(f"qty.{row.n}", N_("Please enter a whole number."))
        return 0
    qty = int(raw)
    if qty > row.remaining:
        form.error(f"qty.{row.n}", N_("You can return at most the quantity shown."))
        return 0
    return qty


def read_items(form: Form, rows: list[LineRow], order_number: str, email: str) -> ReturnInput | None:
    """The request the customer made, or None with each problem marked next to its field."""
    items: list[ReturnItemIn] = []
    picked: list[int] = []
    for row in rows:
        qty = _quantity(form, row)
        if qty == 0:
            continue
        reason = str(form.values.get(f"reason.{row.n}", ""))
        comment = str(form.values.get(f"comment.{row.n}", "")).strip() or None
        if reason not in Reason.__members__.values():
            form.error(f"reason.{row.n}", N_("Please tell us why you are returning this item."))
        elif comment is not None and len(comment) > MAX_COMMENT:
            form.error(f"comment.{row.n}", N_("This is too long."))
        else:
            items.append(ReturnItemIn(line_id=row.line_id, quantity=qty, reason=reason, comment=comment))
            picked.append(row.n)
    resolution = str(form.values.get("resolution", ""))
    if resolution not in RESOLUTIONS:
        form.error("resolution", N_("Please choose one of the options."))
    if not items and not picked and form.ok:
        form.error("items", N_("Please choose at least one item to return."))
    if not form.ok:
        return None
    return ReturnInput.model_validate(
        {"order_number": order_number, "email": email, "items": items, "resolution": resolution}
    )


def chosen(rows: list[LineRow], data: ReturnInput) -> list[dict[str, Any]]:
    """The request's items with their line's row, for the review page and its hidden fields."""
    by_line = {row.line_id: row for row in rows}
    return [{"row": by_line[i.line_id], "item": i} for i in data.items]
