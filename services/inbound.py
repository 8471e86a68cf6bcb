"""Partner webhooks already seen, and which case or refund a webhook is about."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboundEvent, ReturnCase, Shipment
from db.repositories.cases import find_refund
from db.repositories.customs import declaration_by_broker_ref


async def seen(session: AsyncSession, partner: str, event_id: str) -> bool:
    stmt = select(InboundEvent.id).where(InboundEvent.partner == partner, InboundEvent.event_id == event_id)
    return (await session.scalar(stmt)) is not None


async def remember(session: AsyncSession, partner: str, event_id: str, payload: dict[str, Any]) -> None:
    """Record the event id; a concurrent duplicate delivery loses the race harmlessly."""
    try:
        async with session.begin_nested():
            session.add(InboundEvent(partner=partner, event_id=event_id, payload=payload))
    except IntegrityError:
        pass


async def case_for_tracking(session: AsyncSession, tracking_number: str) -> str | None:
    stmt = (
        select(ReturnCase.number)
        .join(Shipment, Shipment.case_id == ReturnCase.id)
        .where(Shipment.tracking_number == tracking_number)
    )
    return await session.scalar(stmt)


async def case_for_outbound_reference(session: AsyncSession, reference: str | None) -> str | None:
    """The case whose exchange or repair sends the parcel labelled `reference` (exchange-<n>, repair-<n>)."""
    prefix, _, number = (reference or "").partition("-")
    if prefix not in ("exchange", "repair") or not number:
        return None
    found = await session.scalar(select(ReturnCase.number).where(ReturnCase.number == number))
    return str(found) if found is not None else None


async def refund_known(session: AsyncSession, idempotency_key: str) -> bool:
    return await find_refund(session, idempotency_key) is not None


async def declaration_known(session: AsyncSession, case_number: str, declaration_id: str) -> bool:
    """Whether the broker's declaration id is the one filed for this case (a stranger's event is refused)."""
    found = await declaration_by_broker_ref(session, declaration_id)
    return found is not None and found[1] == case_number
