"""What a return costs and recovers besides the refund paid: the return label's postage, the part of a refund kept
back (restocking fee, label fee) and the value the returned goods recover back in stock. Each is booked with an
event the workflow records anyway, through the projection's activity, so it lands once and is linked to its case.

- Postage: every return label the merchant buys is billed to it by the carrier (`returns:return_postage` /
  `liability:carrier`), whoever pays in the end; a voided label is reversed. A customer who pays postage has the
  policy's label fee deducted from the refund (`domain.refunds`): that fee is booked as postage recovered.
- Fees kept: a refund is booked at its full value, so refund paid + restocking fee + label fee = what the
  returned goods were worth; the fee is income (`revenue:restocking_fees`).
- Disposition: at inspection, goods that go back on sale (restock, open box, ...) are valued at the policy's
  recovery rate of the price paid for them (`grading.recovery_bp`) and booked to `inventory:returned_goods`.
  Only when the customer gets money back (refund, store credit, or an exchange turned into a refund): an exchange
  swaps goods for goods and books neither side."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReturnCase
from db.repositories.cases import lock_case
from db.repositories.return_ledger import booked_txn_ids, case_items, last_event_data, order_with_lines, txn_legs
from domain.errors import InvalidInput
from domain.inspection import inspect, recovered_value
from domain.ledger import POSTAGE_RECOVERED, RESTOCKING_REVENUE, kept_back_legs, postage_legs, recovery_legs
from domain.money import Money
from domain.policy import MarketPolicy
from domain.refunds import RefundItem, line_refund
from services.fx import rate_on
from services.order_facts import order_facts, refunded_quantities
from workflows.contracts import CaseEventIn, LedgerLeg, LedgerTxn

log = logging.getLogger("rebound.ledger")

REFUND_PAID = ("refund.succeeded", "store_credit.issued")
MONEY_BACK = frozenset({"refund", "store_credit"})  # resolutions whose returned goods the merchant keeps


def label_txn_id(case_number: str) -> str:
    return f"label-{case_number}"  # one return label per case, bought under the same key


def _txn(txn_id: str, type_: str, reference: str | None, legs: list[dict[str, object]]) -> LedgerTxn:
    return LedgerTxn(
        txn_id=txn_id, type=type_, reference=reference, legs=[LedgerLeg.model_validate(leg) for leg in legs]
    )


async def label_postage(
    session: AsyncSession, case_number: str, price: Money | None, currency: str, tracking_number: str, on: date
) -> list[LedgerTxn]:
    """The postage of a bought return label as the case's ledger movement, in the case's `currency` (converted at
    the day's rate when the carrier bills in another). Nothing when the carrier gave no price or no rate is known."""
    if price is None or price.minor <= 0:
        return []
    if price.currency != currency:
        try:
            price = (await rate_on(session, price.currency, currency, on)).convert(price)
        except InvalidInput:
            log.warning("label %s: no %s→%s rate, postage not booked", tracking_number, price.currency, currency)
            return []
    return [_txn(label_txn_id(case_number), "return_postage", tracking_number, postage_legs(price.minor, currency))]


async def booked_with(session: AsyncSession, event: CaseEventIn) -> CaseEventIn:
    """The event with the movements it brings besides those the workflow put on it (none already booked). Locks
    the case first, as the projection does, so what is read here is what the projection will write against."""
    if event.type not in (*REFUND_PAID, "cancelled", "inspected", "exchange.refund_instead"):
        return event
    case = await lock_case(session, event.case_number)
    if case is None or event.seq <= case.last_event_seq:
        return event  # the projection says why (unknown case) or skips it (already applied)
    if event.type == "cancelled":
        voided = event.shipment is not None and event.shipment.status == "voided"
        txns = await _label_voided(session, case) if voided else []
    elif event.type in REFUND_PAID:
        txns = await _kept_back(session, case, event.seq)
    elif event.type == "inspected":
        grades = {g.line_id: g.grade for g in event.inspection}
        txns = await _recovered(session, case, grades) if case.resolution in MONEY_BACK else []
    else:  # an exchange refunded instead: the goods inspected earlier stay with the merchant after all
        txns = await _recovered(session, case, None)
    booked = await booked_txn_ids(session, [t.txn_id for t in txns])
    new = [t for t in txns if t.txn_id not in booked]
    return event.model_copy(update={"ledger": [*event.ledger, *new]}) if new else event


async def _label_voided(session: AsyncSession, case: ReturnCase) -> list[LedgerTxn]:
    """A voided label is not billed: its postage is reversed."""
    legs = await txn_legs(session, label_txn_id(case.number))
    undone = [{"account": e.account, "amount_minor": -e.amount_minor, "currency": e.currency} for e in legs]
    reference = legs[0].reference if legs else None
    return [_txn(f"{label_txn_id(case.number)}-voided", "return_postage", reference, undone)] if legs else []


async def _kept_back(session: AsyncSession, case: ReturnCase, seq: int) -> list[LedgerTxn]:
    """The restocking fee and label fee the refund just paid kept back, as its plan on the timeline says."""
    plan: dict[str, Any] = await last_event_data(session, case.id, "refund_started", seq) or {}
    currency = str(plan.get("currency") or case.currency)
    txns = []
    fee = int(plan.get("restocking_fee") or 0)
    if fee > 0:
        legs = kept_back_legs(RESTOCKING_REVENUE, fee, currency)
        txns.append(_txn(f"restocking-fee-{case.number}", "restocking_fee", None, legs))
    postage = int(plan.get("return_postage") or 0)
    if postage > 0:
        legs = kept_back_legs(POSTAGE_RECOVERED, postage, currency)
        txns.append(_txn(f"label-fee-{case.number}", "return_postage", None, legs))
    return txns


async def _recovered(session: AsyncSession, case: ReturnCase, grades: dict[str, str] | None) -> list[LedgerTxn]:
    """The value the graded goods recover in stock (`grades` from the inspection; None: as stored)."""
    market = MarketPolicy.model_validate(case.policy_snapshot)
    statutory = {i["line_id"]: bool(i.get("statutory")) for i in (case.eligibility or {}).get("items", [])}
    order = await order_with_lines(session, case.order_id)
    facts = await order_facts(session, order, exclude_case_id=case.id)
    facts = facts.model_copy(
        update={"already_returned": await refunded_quantities(session, order.id, exclude_case_id=case.id)}
    )
    value = 0
    for item, line_id in await case_items(session, case.id):
        grade = item.grade if grades is None else grades.get(line_id)
        if grade is None or not item.eligible:  # goods sent back though refused go back to the customer
            continue
        outcome = inspect(grade, reason=item.reason, market=market, statutory=statutory.get(line_id, False))
        worth = line_refund(facts, RefundItem(line_id=line_id, quantity=item.quantity))
        value += recovered_value(outcome.disposition, worth.goods.minor - worth.discount.minor, market)
    if value <= 0:
        return []
    return [_txn(f"disposition-{case.number}", "disposition", None, recovery_legs(value, case.currency))]
