"""The webhook outbox: the events a merchant's systems hear about, written in the same transaction as the case
change they announce, with one delivery per subscribed endpoint. Bodies carry case facts, never an address or
phone number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReturnCase, WebhookDelivery, WebhookMessage
from db.repositories.webhooks import enabled_endpoints, order_number

EVENT_TYPES = (
    "return.created",
    "return.approved",
    "return.rejected",
    "return.label_issued",
    "return.in_transit",
    "return.received",
    "return.inspected",
    "refund.succeeded",
    "refund.failed",
    "store_credit.issued",
    "exchange.shipped",
    "claim.filed",
    "claim.decided",
    "customs.held",
    "customs.cleared",
    "return.completed",
    "return.cancelled",
)
# A case entering these statuses is announced...
FOR_STATUS = {
    "approved": "return.approved",
    "rejected": "return.rejected",
    "awaiting_shipment": "return.label_issued",
    "in_transit": "return.in_transit",
    "received": "return.received",
    "inspected": "return.inspected",
    "customs_hold": "customs.held",
    "completed": "return.completed",
    "cancelled": "return.cancelled",
}
# ...and so are these timeline events, whatever the status does.
FOR_EVENT = {
    "requested": "return.created",
    "refund.succeeded": "refund.succeeded",
    "refund.failed": "refund.failed",
    "store_credit.issued": "store_credit.issued",
    "exchange.shipped": "exchange.shipped",  # new goods of an exchange or replacement on their way
    "customs.cleared": "customs.cleared",
    "claim.filed": "claim.filed",
    "claim.decided": "claim.decided",
}
# Event data a receiver may see (amounts, tracking, reasons); anything else stays in Rebound.
SHAREABLE = ("amount", "tracking_number", "ship_by", "reason", "reasons", "refund_due_by", "note", "kind", "outcome")


def types_for(event_type: str, old_status: str, new_status: str | None) -> list[str]:
    found = []
    if event_type in FOR_EVENT:
        found.append(FOR_EVENT[event_type])
    if new_status and new_status != old_status and new_status in FOR_STATUS:
        found.append(FOR_STATUS[new_status])
    return list(dict.fromkeys(found))


def subscribed(events: list[str], event_type: str) -> bool:
    return "*" in events or event_type in events


async def emit(
    session: AsyncSession,
    case: ReturnCase,
    *,
    seq: int,
    event_type: str,
    old_status: str,
    at: datetime,
    data: dict[str, Any],
) -> None:
    """Write the outbox rows for one applied timeline event (the caller's transaction makes them atomic)."""
    types = types_for(event_type, old_status, case.status)
    if not types:
        return
    endpoints = [e for e in await enabled_endpoints(session) if any(subscribed(e.events, t) for t in types)]
    if not endpoints:
        return  # nobody listens: nothing to keep
    facts: dict[str, Any] = {
        "number": case.number,
        "order_number": await order_number(session, case.order_id),
        "status": case.status,
        "sequence": seq,
        "resolution": case.resolution,
        "market": case.market,
        "estimate": {"amount": case.estimate_minor, "currency": case.currency},
        **{k: data[k] for k in SHAREABLE if k in data},
    }
    if "amount" in facts and isinstance(facts["amount"], int):
        facts["amount"] = {"amount": facts["amount"], "currency": case.currency}
    messages = []
    for n, kind in enumerate(types):
        msg_id = f"msg_{case.number}_{seq}" + (f"_{n}" if n else "")
        body = {"id": msg_id, "type": kind, "created_at": at.isoformat(), "data": facts}
        messages.append(
            WebhookMessage(
                id=msg_id,
                type=kind,
                case_id=case.id,
                case_number=case.number,
                sequence=seq,
                payload=body,
                created_at=at,
            )
        )
    session.add_all(messages)
    await session.flush()  # the deliveries refer to them
    session.add_all(
        WebhookDelivery(message_id=m.id, endpoint_id=e.id)
        for m in messages
        for e in endpoints
        if subscribed(e.events, m.type)
    )
