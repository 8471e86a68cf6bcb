"""Opening a return case: order and ownership checks, policy evaluation, the case row and its first event."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CaseEvent, Order, ReturnCase, ReturnItem
from db.repositories.counters import next_value
from db.repositories.orders import get_order
from domain.codes import RefusalCode
from domain.errors import InvalidInput, NotFound
from domain.orders import RequestItem, ReturnRequest
from domain.policy import Eligibility, MarketPolicy, MerchantPolicy, evaluate
from domain.risk import risk_flags
from services import outbox
from services.exchanges import ExchangeDraft, draft_exchange, exchange_row, repair_row
from services.mails import enqueue_for_event
from services.order_facts import customer_history, order_facts
from services.return_input import ReturnInput
from workflows.contracts import CaseStart, CaseTimers

# Refusals that mean the request itself is wrong (not that the policy says no): answered with 4xx, no case.
MALFORMED = {
    RefusalCode.UNKNOWN_LINE,
    RefusalCode.DUPLICATE_LINE,
    RefusalCode.INVALID_QUANTITY,
    RefusalCode.QUANTITY_EXCEEDS_REMAINING,
    RefusalCode.ALREADY_RETURNED,
}


@dataclass(frozen=True)
class Checked:
    order: Order
    market: MarketPolicy
    eligibility: Eligibility
    locale: str
    exchange: ExchangeDraft | None = None  # the new goods of an exchange or replacement, priced


@dataclass(frozen=True)
class OpenedCase:
    case: ReturnCase
    customer_token: str
    eligibility: Eligibility
    start: CaseStart


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def check_eligibility(
    session: AsyncSession, data: ReturnInput, policy: MerchantPolicy, *, now: datetime
) -> Checked:
    """Judge a request against the order and the policy without writing anything."""
    order = await get_order(session, data.order_number)
    if order is None or order.customer.email != data.email:
        # One answer for both, so the form cannot be used to learn which orders exist.
        raise NotFound(
            "we could not find an order with that number and email address",
            code="order_not_found",
            fields={"order_number": "not found for this email"},
        )
    market = policy.for_market(order.ship_to_country)
    facts = await order_facts(session, order)
    history = await customer_history(session, order.customer, blocklisted=policy.is_blocklisted(data.email))
    request = ReturnRequest(
        items=tuple(
            RequestItem(line_id=i.line_id, quantity=i.quantity, reason=i.reason, comment=i.comment) for i in data.items
        ),
        resolution=data.resolution,
        email=data.email,
    )
    eligibility = evaluate(facts, request, market, now=now, history=history)
    locale = order.customer.locale
    malformed = {
        f"items.{n}.quantity"
        if r.code not in {RefusalCode.UNKNOWN_LINE, RefusalCode.DUPLICATE_LINE}
        else f"items.{n}.line_id": r.text(locale)
        for n, item in enumerate(eligibility.items)
        for r in item.refusals
        if r.code in MALFORMED
    }
    if malformed:
        first = next(iter(malformed.values()))
        raise InvalidInput(first, code="invalid_return_request", fields=malformed)
    exchange = await draft_exchange(session, data, facts, market, eligibility, history)
    return Checked(order, market, eligibility, locale, exchange)


async def open_case(
    session: AsyncSession,
    data: ReturnInput,
    policy: MerchantPolicy,
    *,
    now: datetime,
    prefix: str = "R",
    warehouse_country: Callable[[str], str] | None = None,
    repair_country: str | None = None,
) -> OpenedCase:
    """Write the case, its items, the policy snapshot and the 'requested' event. Flushes, never commits.
    `warehouse_country` names the country whose warehouse receives a market's returns (settings); a return
    going to another country than the customer's crosses a border and needs customs; a repair goes to the
    repair centre in `repair_country`."""
    checked = await check_eligibility(session, data, policy, now=now)
    order, elig = checked.order, checked.eligibility
    number = f"{prefix}-{now.year}-{await next_value(session, f'case-{now.year}'):06d}"
    token = secrets.token_urlsafe(24)
    lines = {li.line_id: li for li in order.lines}
    record = _eligibility_record(elig)
    if checked.exchange is not None:
        record["exchange"] = checked.exchange.record()
    case = ReturnCase(
        number=number,
        order_id=order.id,
        status="requested",
        resolution=data.resolution,
        market=order.ship_to_country,
        warehouse_country=repair_country
        if data.resolution == "repair" and repair_country
        else (warehouse_country or str)(order.ship_to_country),
        currency=order.currency,
        locale=checked.locale,
        estimate_minor=elig.refund_estimate.minor,
        policy_snapshot=checked.market.model_dump(mode="json"),
        eligibility=record,
        risk_flags=risk_flags(t.code for t in elig.review),
        customer_token_hash=token_hash(token),
        last_event_seq=1,
        created_at=now,
        items=[
            ReturnItem(
                order_line_id=lines[i.line_id].id,
                quantity=i.quantity,
                reason=i.reason.value,
                comment=data.items[n].comment,
                eligible=i.eligible,
                refusals=[r.model_dump(mode="json") for r in i.refusals],
            )
            for n, i in enumerate(elig.items)
        ],
    )
    session.add(case)
    await session.flush()
    if checked.exchange is not None:
        session.add(exchange_row(case, checked.exchange))
    elif data.resolution == "repair":
        session.add(repair_row(case, order))
    session.add(
        CaseEvent(
            case_id=case.id,
            seq=1,
            type="requested",
            actor="customer",
            at=now,
            data={
                "resolution": data.resolution,
                "decision": elig.decision.value,
                "items": [
                    {"line_id": i.line_id, "quantity": i.quantity, "reason": i.reason.value, "eligible": i.eligible}
                    for i in elig.items
                ],
                "estimate": elig.refund_estimate.as_dict(),
            },
        )
    )
    await enqueue_for_event(session, case, seq=1, event_type="requested", data={})  # "we have your request"
    await outbox.emit(session, case, seq=1, event_type="requested", old_status="", at=now, data={})
    await session.flush()
    return OpenedCase(case, token, elig, case_start(case))


def _eligibility_record(elig: Eligibility) -> dict[str, Any]:
    record = elig.model_dump(mode="json")
    record["refund_shipping"] = elig.breakdown.shipping.minor > 0
    return record


def case_start(case: ReturnCase) -> CaseStart:
    """The workflow's input, rebuilt from the stored case alone (so the sweeper can start it later too)."""
    market = MarketPolicy.model_validate(case.policy_snapshot)
    sla = market.sla
    elig = case.eligibility
    exchange = elig.get("exchange") or {}
    reasons = [r["code"] for r in elig.get("refusals", [])] or [
        r["code"] for item in elig.get("items", []) for r in item.get("refusals", [])
    ]
    return CaseStart(
        case_number=case.number,
        market=case.market,
        currency=case.currency,
        resolution=case.resolution,
        decision=elig["decision"],
        reasons=reasons + [t["code"] for t in elig.get("review", [])],
        returnless=bool(elig.get("returnless")),
        cross_border=bool(case.warehouse_country and case.warehouse_country != case.market),
        customs_refused=case.policy_snapshot.get("customs", {}).get("refused", "return_to_sender"),
        exchange=exchange.get("kind"),
        instant=bool(exchange.get("instant")),
        not_repairable=market.repair.not_repairable,
        timers=CaseTimers(
            ship_by_s=sla.ship_by_days * 86_400,
            ship_by_reminder_s=sla.ship_by_reminder_days * 86_400,
            review_sla_s=sla.review_sla_hours * 3_600,
            inspection_sla_s=sla.inspection_sla_hours * 3_600,
            refund_deadline_s=sla.refund_deadline_days * 86_400,
            appeal_window_s=sla.appeal_window_days * 86_400,
            choice_s=market.exchange.choice_days * 86_400,
            stock_wait_s=market.exchange.out_of_stock_wait_days * 86_400,
            restock_check_s=market.exchange.restock_check_hours * 3_600,
            quote_s=market.repair.quote_days * 86_400,
        ),
    )
