"""How a case's exchange and repair read in the API and on the pages: the new goods, the money, the parcel."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReturnCase
from db.repositories.catalogue import exchange_of, repair_of


def _money(minor: int, currency: str) -> dict[str, Any]:
    return {"amount": minor, "currency": currency}


async def exchanges_view(session: AsyncSession, case: ReturnCase) -> list[dict[str, Any]]:
    """The case's exchange or replacement (a list, as API.md has it; one per case today)."""
    x = await exchange_of(session, case.id)
    if x is None:
        return []
    cur = x.currency
    return [
        {
            "kind": x.kind,
            "status": x.status,
            "instant": x.instant,
            "items": [
                {
                    "line_id": i["line_id"],
                    "sku": i["sku"],
                    "title": i.get("title"),
                    "variant": i.get("variant"),
                    "quantity": i["quantity"],
                }
                for i in x.items
            ],
            "credit": _money(x.credit_minor, cur),
            "new_total": _money(x.new_total_minor, cur),
            "to_charge": _money(max(0, x.difference_minor), cur),
            "to_refund": _money(max(0, -x.difference_minor), cur),
            "hold": {"amount": _money(x.hold_minor, cur), "status": x.authorization_status} if x.instant else None,
            "tracking_number": x.tracking_number,
            "choose_by": x.choice_due_at.isoformat() if x.choice_due_at else None,
            "note": x.note,
        }
    ]


async def repair_view(session: AsyncSession, case: ReturnCase) -> dict[str, Any] | None:
    r = await repair_of(session, case.id)
    if r is None:
        return None
    return {
        "status": r.status,
        "repair_id": r.centre_ref,
        "quote": _money(r.quote_minor, r.currency) if r.quote_minor else None,
        "answer_by": r.quote_due_at.isoformat() if r.quote_due_at else None,
        "quote_answer": r.quote_answer,
        "charge_id": r.charge_id,  # an accepted quote, charged to the order's card
        "tracking_number": r.tracking_number,
        "note": r.note,
    }
