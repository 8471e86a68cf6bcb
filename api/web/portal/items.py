"""The items form: one row per order line (quantity, reason, comment), read back into the return request.
Fields are named by the line's position (`qty.0`, `reason.0`, ...), never by ids the browser could invent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.web.forms import Form
from api.web.i18n import N_
from db.models import Order
from domain.money import Money
from domain.orders import OrderFacts
from domain.reasons import Reason
from services.return_input import ExchangeItemIn, ReturnInput, ReturnItemIn

# Offered; the policy says per item which are open (a repair for a fault, a replacement for our mistakes).
RESOLUTIONS = ("refund", "store_credit", "exchange", "replacement", "repair")
MAX_COMMENT = 2000
NO_SWAP = N_("This item has no other size or colour to exchange it for: please choose a refund or store credit.")
CHOOSE_SWAP = N_("Please choose the size or colour you would like instead.")


@dataclass(frozen=True)
class Swap:
    """Another variant of a bought item's product, as the exchange choice shows it."""

    sku: str
    label: str  # the variant ("L", "blue"), else the title
    price: Money


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
    swaps: list[Swap] = field(default_factory=list)  # what it may be exchanged for


def line_rows(order: Order, facts: OrderFacts, swaps: dict[str, list[Swap]] | None = None) -> list[LineRow]:
    return [
        LineRow(
            n=n,
            line_id=li.line_id,
            title=li.title,
            sku=li.sku,
            bought=li.quantity,
            remaining=facts.remaining_quantity(li.line_id),
            unit_price=Money(li.unit_price_minor, order.currency),
            swaps=(swaps or {}).get(li.line_id, []),
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
    swaps = _swaps(form, [rows[n] for n in picked]) if resolution == "exchange" else None
    if not form.ok:
        return None
    return ReturnInput.model_validate(
        {
            "order_number": order_number,
            "email": email,
            "items": items,
            "resolution": resolution,
            "exchange_items": swaps,
        }
    )


def _swaps(form: Form, picked: list[LineRow]) -> list[ExchangeItemIn]:
    """The new item chosen for each returned line, each problem marked next to its line's choice."""
    chosen: list[ExchangeItemIn] = []
    for row in picked:
        name = f"swap.{row.n}"
        sku = str(form.values.get(name, ""))
        if not row.swaps:
            form.error(name, NO_SWAP)
        elif sku not in {s.sku for s in row.swaps}:
            form.error(name, CHOOSE_SWAP)
        else:
            chosen.append(ExchangeItemIn(line_id=row.line_id, sku=sku))
    return chosen


def exchange_errors(form: Form, rows: list[LineRow], data: ReturnInput, fields: dict[str, str]) -> bool:
    """The exchange service's refusal (`exchange_items.N.sku`: that item cannot be had now) marked on the
    lines' choices; False when it named nothing the form can show."""
    by_line = {row.line_id: row for row in rows}
    marked = False
    for key in fields:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "exchange_items" and parts[1].isdigit():
            wanted = (data.exchange_items or [])[int(parts[1])]
            form.error(
                f"swap.{by_line[wanted.line_id].n}",
                N_("This one can't be ordered at the moment: please choose another."),
            )
            marked = True
    return marked


def chosen(rows: list[LineRow], data: ReturnInput) -> list[dict[str, Any]]:
    """The request's items with their line's row, for the review page and its hidden fields."""
    by_line = {row.line_id: row for row in rows}
    return [{"row": by_line[i.line_id], "item": i} for i in data.items]
