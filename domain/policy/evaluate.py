"""Eligibility: which requested items may come back, on what terms, and whether a person must look first."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.codes import RefusalCode, ReviewCode
from domain.money import Money
from domain.orders import CustomerHistory, OrderFacts, OrderLine, RequestItem, Resolution, ReturnRequest, Tag
from domain.policy.eligibility import (
    Deadlines,
    Decision,
    Eligibility,
    ItemEligibility,
    Params,
    Refusal,
    ReviewTrigger,
)
from domain.policy.model import LawBasis, MarketPolicy, Payer, amount_for, window_end
from domain.reasons import Fault, Reason
from domain.refunds import RefundBreakdown, RefundItem, completes_order, compute_refund

_REPAIRABLE = frozenset({Reason.DEFECTIVE, Reason.MISSING_PARTS})
# The same item again only when the merchant or the carrier got it wrong; changing one's mind is an exchange.
_REPLACEABLE = frozenset({Fault.MERCHANT, Fault.CARRIER})
_NO_REFUND = frozenset({Resolution.REPAIR, Resolution.REPLACEMENT})  # the customer gets goods back, not money
_FEE_RESOLUTIONS = frozenset({Resolution.REFUND, Resolution.STORE_CREDIT})  # an exchange keeps the sale


def _last_day(end: datetime) -> str:
    return (end - timedelta(days=1)).date().isoformat()


def _window(
    line: OrderLine, item: RequestItem, market: MarketPolicy, delivered: datetime, now: datetime
) -> tuple[datetime, set[Resolution]]:
    """When the window for this item ends and which resolutions are open at `now`."""
    end = window_end(delivered, market.window_days_for(line.category))
    allowed = set(Resolution)
    tg = market.three_guarantees
    if tg is not None and Tag.THREE_GUARANTEES in line.tags and item.reason is Reason.DEFECTIVE:
        # 三包: a performance fault keeps the goods returnable past the no-reason window, with fewer remedies.
        phases = [
            (window_end(delivered, tg.any_remedy_days), set(Resolution)),
            (
                window_end(delivered, tg.exchange_or_repair_days),
                {Resolution.EXCHANGE, Resolution.REPLACEMENT, Resolution.REPAIR},
            ),
            (window_end(delivered, tg.repair_days), {Resolution.REPAIR}),
        ]
        if now >= end:
            allowed = next((remedies for until, remedies in phases if now < until), set())
        end = max(end, phases[-1][0])
    if item.reason not in _REPAIRABLE:
        allowed.discard(Resolution.REPAIR)
    if item.fault not in _REPLACEABLE:
        allowed.discard(Resolution.REPLACEMENT)
    return end, allowed


def _check_item(
    order: OrderFacts,
    line: OrderLine,
    item: RequestItem,
    market: MarketPolicy,
    resolution: Resolution,
    now: datetime,
) -> tuple[ItemEligibility, list[ReviewTrigger]]:
    refusals: list[Refusal] = []
    remaining = order.remaining_quantity(line.line_id)
    if item.quantity <= 0:
        refusals.append(Refusal(code=RefusalCode.INVALID_QUANTITY, params={"quantity": item.quantity}))
    elif remaining == 0:
        refusals.append(Refusal(code=RefusalCode.ALREADY_RETURNED))
    elif item.quantity > remaining:
        params: Params = {"requested": item.quantity, "remaining": remaining}
        refusals.append(Refusal(code=RefusalCode.QUANTITY_EXCEEDS_REMAINING, params=params))
    delivered = order.delivered_at
    end: datetime | None = None
    statutory = False
    allowed: set[Resolution] = set()
    if delivered is None or delivered > now:
        refusals.append(Refusal(code=RefusalCode.NOT_DELIVERED))
    else:
        until = market.statutory_until(delivered)
        statutory = until is not None and now < until
        end, allowed = _window(line, item, market, delivered, now)
        if now >= end:
            refusals.append(Refusal(code=RefusalCode.WINDOW_EXPIRED, params={"deadline": _last_day(end)}))
        elif resolution not in allowed:
            listed = ",".join(r.value for r in Resolution if r in allowed)
            params = {"resolution": resolution.value, "allowed": listed}
            refusals.append(Refusal(code=RefusalCode.RESOLUTION_NOT_ALLOWED, params=params))
    excluded = [t for t in line.tags if t in market.excluded_tags]
    reviews: list[ReviewTrigger] = []
    if item.fault in (Fault.CUSTOMER, Fault.UNKNOWN):
        refusals += [Refusal(code=RefusalCode.EXCLUDED_TAG, params={"tag": t.value}) for t in excluded]
    elif excluded and not refusals:
        # A fault claim on a non-returnable item is honoured, but someone checks it is not a way around the rule.
        params = {"tag": excluded[0].value}
        reviews.append(ReviewTrigger(code=ReviewCode.FAULT_CLAIM_ON_EXCLUDED_ITEM, params=params))
    result = ItemEligibility(
        line_id=item.line_id,
        quantity=item.quantity,
        reason=item.reason,
        fault=item.fault,
        eligible=not refusals,
        refusals=tuple(refusals),
        returnable_quantity=remaining,
        window_ends_at=end,
        statutory=statutory,
        allowed_resolutions=tuple(r for r in Resolution if r in allowed),
    )
    return result, reviews


def _malformed(order: OrderFacts, item: RequestItem, code: RefusalCode) -> ItemEligibility:
    """An item that names no line of the order, or repeats one: refused before any policy check."""
    refusal = Refusal(code=code, params={"line_id": item.line_id})
    return ItemEligibility(
        line_id=item.line_id,
        quantity=item.quantity,
        reason=item.reason,
        fault=item.fault,
        eligible=False,
        refusals=(refusal,),
        returnable_quantity=order.remaining_quantity(item.line_id),
        window_ends_at=None,
        statutory=False,
        allowed_resolutions=(),
    )


def _estimate(
    order: OrderFacts, request: ReturnRequest, market: MarketPolicy, items: list[ItemEligibility], returnless: bool
) -> tuple[RefundBreakdown, Money, Payer | None]:
    """Refund estimate assuming the goods come back unopened, the fee if they do not, and the postage payer."""
    cur = order.currency
    fee_due = request.resolution in _FEE_RESOLUTIONS and market.restocking_fee_bp > 0 and not returnless

    def refund_items(opened: bool) -> list[RefundItem]:
        return [
            RefundItem(
                line_id=i.line_id,
                quantity=i.quantity,
                restocking_fee=fee_due and i.fault is Fault.CUSTOMER and not i.statutory and opened,
            )
            for i in items
        ]

    payers = {market.return_postage.payer(i.fault) for i in items}
    # One parcel: if any item in it is not the customer's fault, the merchant pays for it.
    payer = None if returnless or not items else Payer.MERCHANT if Payer.MERCHANT in payers else Payer.CUSTOMER
    label_fee = amount_for(market.return_label_fee, cur)
    postage = label_fee if payer is Payer.CUSTOMER and request.use_merchant_label else None
    withdrawal = (
        market.law_basis is LawBasis.EU_WITHDRAWAL_14D
        and all(i.statutory for i in items)
        and completes_order(order, {i.line_id: i.quantity for i in items})
    )
    # Goods that were faulty or damaged on the way out: the customer did not get what the delivery paid for.
    shipping = withdrawal or any(i.fault in (Fault.MERCHANT, Fault.CARRIER) for i in items)
    fee_bp = market.restocking_fee_bp
    as_is = refund_items(market.restocking_fee_on == "all")
    breakdown = compute_refund(order, as_is, restocking_fee_bp=fee_bp, refund_shipping=shipping, return_postage=postage)
    opened = compute_refund(order, refund_items(True), restocking_fee_bp=fee_bp)
    return breakdown, opened.restocking_fee - breakdown.restocking_fee, payer


def evaluate(
    order: OrderFacts, request: ReturnRequest, market: MarketPolicy, *, now: datetime, history: CustomerHistory
) -> Eligibility:
    """Check a return request against the market's policy at `now` (the request time) and decide
    approve / review / reject, with the reasons, the refund estimate and the deadlines."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cur = order.currency
    seen: set[str] = set()
    items: list[ItemEligibility] = []
    review: list[ReviewTrigger] = []
    for item in request.items:
        line = order.line(item.line_id)
        if line is None:
            items.append(_malformed(order, item, RefusalCode.UNKNOWN_LINE))
        elif item.line_id in seen:
            items.append(_malformed(order, item, RefusalCode.DUPLICATE_LINE))
        else:
            checked, triggers = _check_item(order, line, item, market, request.resolution, now)
            items.append(checked)
            review += triggers
        seen.add(item.line_id)
    eligible = [i for i in items if i.eligible]
    refusals: list[Refusal] = []
    if not request.items:
        refusals.append(Refusal(code=RefusalCode.EMPTY_REQUEST))
    elif not eligible:
        refusals.append(Refusal(code=RefusalCode.NO_ELIGIBLE_ITEMS))

    threshold = amount_for(market.returnless_threshold, cur)
    value = compute_refund(order, [RefundItem(line_id=i.line_id, quantity=i.quantity) for i in eligible]).items_value
    returnless_allowed = bool(eligible) and threshold is not None and value <= threshold
    returnless = request.resolution is Resolution.KEEP_IT and returnless_allowed
    if request.resolution is Resolution.KEEP_IT and eligible and not returnless:
        common = set.intersection(*(set(i.allowed_resolutions) for i in eligible)) - {Resolution.KEEP_IT}
        other = ",".join(r.value for r in Resolution if r in common)
        refusals.append(
            Refusal(code=RefusalCode.KEEP_IT_ABOVE_THRESHOLD, params={"threshold": str(threshold)})
            if threshold is not None
            else Refusal(code=RefusalCode.RESOLUTION_NOT_ALLOWED, params={"resolution": "keep_it", "allowed": other})
        )
    breakdown, fee_if_opened, payer = _estimate(order, request, market, eligible, returnless)

    review += _review_triggers(market, history, eligible, value)
    if not market.auto_approve:
        review.append(ReviewTrigger(code=ReviewCode.MANUAL_APPROVAL))
    decision = Decision.REJECT if refusals else Decision.REVIEW if review else Decision.APPROVE

    sla = market.sla
    approved = decision is Decision.APPROVE and not returnless
    delivered = order.delivered_at
    return Eligibility(
        decision=decision,
        items=tuple(items),
        refusals=tuple(refusals),
        review=tuple(review) if decision is not Decision.REJECT else (),
        refund_estimate=Money.zero(cur) if request.resolution in _NO_REFUND else breakdown.total,
        breakdown=breakdown,
        restocking_fee_if_opened=fee_if_opened,
        postage_payer=payer,
        returnless=returnless,
        returnless_allowed=returnless_allowed,
        law_basis=market.law_basis,
        deadlines=Deadlines(
            statutory_until=market.statutory_until(delivered) if delivered else None,
            ship_by=sla.ship_by(now) if approved else None,
            ship_by_reminder=sla.ship_by_reminder(now) if approved else None,
            review_due=sla.review_due(now) if decision is Decision.REVIEW else None,
            refund_due=None
            if decision is Decision.REJECT
            else sla.refund_due(requested_at=now, received_at=now if returnless else None),
        ),
    )


def _review_triggers(
    market: MarketPolicy, history: CustomerHistory, eligible: list[ItemEligibility], value: Money
) -> list[ReviewTrigger]:
    rules = market.review
    out: list[ReviewTrigger] = []
    if history.blocklisted:
        out.append(ReviewTrigger(code=ReviewCode.BLOCKLISTED))
    high = amount_for(rules.high_value, value.currency)
    if high is not None and eligible and high <= value:
        out.append(ReviewTrigger(code=ReviewCode.HIGH_VALUE, params={"threshold": str(high)}))
    rate = history.return_rate_bp()
    enough_orders = history.orders >= rules.min_orders_for_rate
    if rules.return_rate_bp is not None and enough_orders and rate >= rules.return_rate_bp:
        out.append(ReviewTrigger(code=ReviewCode.HIGH_RETURN_RATE, params={"rate_bp": rate}))
    if rules.empty_box_findings is not None and history.empty_box_findings >= rules.empty_box_findings:
        out.append(ReviewTrigger(code=ReviewCode.EMPTY_BOX_HISTORY))
    if rules.unknown_fault and any(i.fault is Fault.UNKNOWN for i in eligible):
        out.append(ReviewTrigger(code=ReviewCode.UNKNOWN_FAULT))
    return out
