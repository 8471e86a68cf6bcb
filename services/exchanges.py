"""Exchanges and replacements when a case opens: which new goods for which returned line, at the catalogue's
price in the order's currency, the difference to charge or refund, and whether the customer is trusted with
an instant exchange. Prices come from our catalogue only, never from the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Exchange, Order, Repair, ReturnCase
from db.repositories.catalogue import products_by_sku
from domain.errors import InvalidInput
from domain.exchange import ExchangeQuote, NewItem, quote, replacement_quote, trusted_for_instant
from domain.orders import CustomerHistory, OrderFacts, Resolution
from domain.policy import Eligibility, MarketPolicy
from services.catalogue import price_in
from services.return_input import ReturnInput

GOODS_FOR_GOODS = {Resolution.EXCHANGE.value, Resolution.REPLACEMENT.value}


@dataclass(frozen=True)
class ExchangeDraft:
    kind: str  # exchange | replacement
    items: list[dict[str, Any]]  # line_id, sku, title, variant, quantity, unit_price_minor
    quote: ExchangeQuote
    instant: bool

    def record(self) -> dict[str, Any]:
        """What the case keeps of it in its eligibility record (the workflow's input is rebuilt from that)."""
        q = self.quote
        return {
            "kind": self.kind,
            "instant": self.instant,
            "credit": q.credit.as_dict(),
            "new_total": q.new_total.as_dict(),
            "to_charge": q.to_charge.as_dict(),
            "to_refund": q.to_refund.as_dict(),
            "hold": q.hold.as_dict(),
        }


def _refused(message: str, fields: dict[str, str]) -> InvalidInput:
    return InvalidInput(message, code="invalid_exchange", fields=fields)


async def draft_exchange(
    session: AsyncSession,
    data: ReturnInput,
    facts: OrderFacts,
    market: MarketPolicy,
    elig: Eligibility,
    history: CustomerHistory,
) -> ExchangeDraft | None:
    """The new goods of an exchange or replacement request, priced; None for other resolutions or when no
    item may come back (the case is refused anyway). Refuses, with the field, a request naming unknown or
    unsold SKUs, leaving out a returned line, or (where the market allows only variants) another product."""
    if data.resolution not in GOODS_FOR_GOODS or not elig.eligible_items:
        return None
    returned = [(i.line_id, i.quantity) for i in elig.eligible_items]
    lines = {li.line_id: li for li in facts.lines}
    instant = trusted_for_instant(market.exchange, history)
    if data.resolution == Resolution.REPLACEMENT.value:
        same = [
            {
                "line_id": line_id,
                "sku": lines[line_id].sku,
                "title": lines[line_id].title,
                "variant": None,
                "quantity": qty,
            }
            for line_id, qty in returned
        ]
        return ExchangeDraft("replacement", same, replacement_quote(facts, returned), instant)
    wanted = {e.line_id: (n, e.sku) for n, e in enumerate(data.exchange_items or [])}
    missing = [line_id for line_id, _ in returned if line_id not in wanted]
    if missing:
        raise _refused(
            f"choose what you would like instead of line {', '.join(missing)}",
            {"exchange_items": f"no new item for line {', '.join(missing)}"},
        )
    stray = [n for line_id, (n, _) in wanted.items() if line_id not in dict(returned)]
    if stray:
        raise _refused(
            "each new item must replace a line you are returning",
            {f"exchange_items.{n}.line_id": "not a line being returned" for n in stray},
        )
    catalogue = await products_by_sku(session, [sku for _, sku in wanted.values()] + [li.sku for li in facts.lines])
    new_items: list[NewItem] = []
    items: list[dict[str, Any]] = []
    for line_id, qty in returned:
        n, sku = wanted[line_id]
        product = catalogue.get(sku)
        price = price_in(product, facts.currency) if product is not None and product.active else None
        if product is None or price is None:
            raise _refused(
                f"{sku} cannot be ordered in {facts.currency} at the moment: choose another item",
                {f"exchange_items.{n}.sku": "not available"},
            )
        bought = catalogue.get(lines[line_id].sku)
        if not market.exchange.other_products and (bought is None or bought.product != product.product):
            raise _refused(
                f"line {line_id} can be exchanged only for another size or colour of the same product",
                {f"exchange_items.{n}.sku": "another product"},
            )
        new_items.append(NewItem(line_id=line_id, sku=sku, quantity=qty, unit_price=price))
        items.append(
            {
                "line_id": line_id,
                "sku": sku,
                "title": product.title,
                "variant": product.variant,
                "quantity": qty,
                "unit_price_minor": price.minor,
            }
        )
    return ExchangeDraft("exchange", items, quote(facts, returned, new_items), instant)


def exchange_row(case: ReturnCase, draft: ExchangeDraft) -> Exchange:
    q = draft.quote
    return Exchange(
        case_id=case.id,
        kind=draft.kind,
        status="requested",
        items=draft.items,
        currency=case.currency,
        credit_minor=q.credit.minor,
        new_total_minor=q.new_total.minor,
        hold_minor=q.hold.minor,
        instant=draft.instant,
    )


def repair_row(case: ReturnCase, order: Order) -> Repair:
    return Repair(case_id=case.id, status="requested", currency=order.currency)
