"""Applies workflow events to the SQL read model: status, timeline and ledger together, exactly once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CaseEvent, LedgerEntry, OrderLine, ReturnCase, ReturnItem, Shipment
from db.repositories.access import get_staff_user
from db.repositories.cases import find_refund, find_shipment, lock_case, requested_at
from domain.case_states import CLOSED
from domain.errors import InvalidInput, NotFound
from domain.inspection import inspect
from domain.policy import MarketPolicy
from services import outbox
from services.mails import enqueue_for_event
from workflows.contracts import CaseEventIn, InspectedItemIn, RefundUpdate, ShipmentUpdate

REFUND_ISSUED = ("refund.succeeded", "store_credit.issued")  # the customer has their money (or credit) back
KEEPS_WAITING = ("note", "assigned")  # staff events that answer nobody: the customer's reply still waits


async def apply_event(session: AsyncSession, event: CaseEventIn, *, supervisors: str | None = None) -> bool:
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
    await enqueue_for_event(
        session, case, seq=event.seq, event_type=event.type, data=event.data, supervisors=supervisors
    )  # same txn
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
    if event.shipment is not None:
        await _apply_shipment(session, case.id, event.shipment)
    for update in event.refunds:
        await _apply_refund(session, case.id, update)
    if event.inspection:
        await _apply_inspection(session, case, event.inspection)
    if event.eligible_all:  # a supervisor's override: what the policy refused is now refundable
        await session.execute(sql_update(ReturnItem).where(ReturnItem.case_id == case.id).values(eligible=True))
    if event.sla_due_at is not None or event.clear_sla:
        case.sla_due_at = event.sla_due_at
    if event.escalated is not None:
        case.escalated = event.escalated
    if event.assignee is not None:
        case.assignee_id = await _staff_id(session, event.assignee)
    old_status = case.status
    if event.status is not None:
        case.status = event.status
    await _track_reply(session, case, event)
    case.last_event_seq = event.seq
    await outbox.emit(  # same transaction: announced only if this change commits
        session, case, seq=event.seq, event_type=event.type, old_status=old_status, at=event.at, data=event.data
    )
    await session.flush()
    return True


async def refund_wait(session: AsyncSession, event: CaseEventIn) -> timedelta | None:
    """How long the customer waited from asking to this refund or store credit; None for any other event."""
    if event.type not in REFUND_ISSUED:
        return None
    asked = await requested_at(session, event.case_number)
    return event.at - asked if asked is not None else None


async def _apply_shipment(session: AsyncSession, case_id: int, update: ShipmentUpdate) -> None:
    shipment = await find_shipment(session, update.tracking_number)
    if shipment is None:
        shipment = Shipment(
            case_id=case_id,
            direction=update.direction,
            carrier=update.carrier,
            tracking_number=update.tracking_number,
            events=[],
        )
        session.add(shipment)
    shipment.status = update.status
    shipment.label_url = update.label_url or shipment.label_url
    if update.event is not None:
        shipment.events = [*shipment.events, update.event]  # a new list, so the JSON column is seen as changed


async def _apply_refund(session: AsyncSession, case_id: int, update: RefundUpdate) -> None:
    refund = await find_refund(session, update.idempotency_key)
    if refund is None or refund.case_id != case_id:
        raise NotFound(f"no refund {update.idempotency_key} on this case", code="refund_not_found")
    refund.status = update.status
    refund.provider_refund_id = update.provider_refund_id or refund.provider_refund_id
    refund.failure_reason = update.failure_reason


async def _track_reply(session: AsyncSession, case: ReturnCase, event: CaseEventIn) -> None:
    """A customer's reply puts the case before the agents (its queue's "customer replied" view) until a staff
    member acts on the case or it closes; a second reply keeps the time of the first one still unanswered."""
    if event.type == "customer_replied":
        case.customer_replied_at = case.customer_replied_at or event.at
    elif case.customer_replied_at is not None and (
        case.status in CLOSED
        or (event.type not in KEEPS_WAITING and await get_staff_user(session, event.actor) is not None)
    ):
        case.customer_replied_at = None


async def _staff_id(session: AsyncSession, username: str) -> int | None:
    if not username:
        return None
    user = await get_staff_user(session, username)
    if user is None:
        raise NotFound(f"no staff user {username}", code="staff_not_found")
    return user.id


async def _apply_inspection(session: AsyncSession, case: ReturnCase, graded: list[InspectedItemIn]) -> None:
    """Store each grade with the disposition the policy snapshot gives it (restock, open box, ...)."""
    market = MarketPolicy.model_validate(case.policy_snapshot)
    statutory = {i["line_id"]: bool(i.get("statutory")) for i in (case.eligibility or {}).get("items", [])}
    by_line = {g.line_id: g for g in graded}
    rows = await session.execute(
        select(ReturnItem, OrderLine.line_id)
        .join(OrderLine, OrderLine.id == ReturnItem.order_line_id)
        .where(ReturnItem.case_id == case.id)
    )
    for item, line_id in rows:
        verdict = by_line.get(line_id)
        if verdict is None:
            continue
        outcome = inspect(verdict.grade, reason=item.reason, market=market, statutory=statutory.get(line_id, False))
        item.grade, item.inspection_notes, item.disposition = verdict.grade, verdict.notes, outcome.disposition.value
