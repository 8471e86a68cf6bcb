"""Applies workflow events to the SQL read model: status, timeline and ledger together, exactly once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CaseEvent, LedgerEntry
from db.repositories.cases import lock_case
from domain.errors import InvalidInput, NotFound
from workflows.contracts import CaseEventIn


async def apply_event(session: AsyncSession, event: CaseEventIn) -> bool:
    """Write the event; False (and no change) when the case already holds this sequence number."""
    case = await lock_case(session, event.case_number)
    if case is None:
        raise NotFound(f"no case numbered {event.case_number}", code="case_not_found")
    if event.seq <= case.last_event_seq:
        return False  # a retried or late write: the projection already includes it
    for txn in event.ledger:
        if not txn.balanced():
            raise InvalidInput(f"ledger transaction {txn.txn_id} does not balance", code="ledger_unbalanced")
    session.add(
        CaseEvent(
            case_id=case.id,
            seq=event.seq,
            type=event.type,
            actor=event.actor,
            data=event.data,
            at=event.at,
        )
    )
    for txn in event.ledger:
        session.add_all(
            LedgerEntry(
                txn_id=txn.txn_id,
                case_id=case.id,
                type=txn.type,
                account=leg.account,
                amount_minor=leg.amount_minor,
                currency=leg.currency,
                reference=txn.reference,
                at=event.at,
            )
            for leg in txn.legs
        )
    if event.status is not None:
        case.status = event.status
    case.last_event_seq = event.seq
    await session.flush()
    return True
