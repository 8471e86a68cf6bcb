"""Eligibility table: windows per market, exclusions, quantities, review triggers, returnless, currencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from domain.codes import RefusalCode as R
from domain.codes import ReviewCode as V
from domain.money import Money
from domain.orders import CustomerHistory, OrderLine, Resolution, Tag
from domain.policy import Decision, Eligibility, LawBasis, Payer, evaluate
from domain.reasons import Reason
from tests.domain.build import DELIVERED, days_after_delivery, item, line, market, order, request

Res = Resolution
D = Decision
DEFECT = Reason.DEFECTIVE
TG = (Tag.THREE_GUARANTEES,)


@dataclass
class Case:
    id: str
    country: str = "CN"
    day: int = 3
    items: tuple[tuple[str, int, Reason], ...] = (("L1", 1, Reason.CHANGED_MIND),)
    lines: tuple[OrderLine, ...] = ()
    currency: str = "CNY"
    resolution: Res = Res.REFUND
    returned: dict[str, int] = field(default_factory=dict)
    history: CustomerHistory = field(default_factory=CustomerHistory)
    rules: dict[str, object] = field(default_factory=dict)
    delivered: datetime | None = DELIVERED
    decision: Decision = D.APPROVE
    refusals: tuple[tuple[R, ...], ...] | None = None  # per item; None: every item eligible
    case_refusals: tuple[R, ...] = ()
    review: tuple[V, ...] = ()


def _t(*tags: Tag, unit: int = 100_00, qty: int = 1, currency: str = "CNY", line_id: str = "L1") -> OrderLine:
    return line(line_id, unit=unit, qty=qty, tags=tags, currency=currency)


CASES = [
    # Windows: the delivery day is day 0; the last day of an N-day window is day N.
    Case("cn-day-6", day=6),
    Case("cn-day-7-last-day", day=7),
    Case("cn-day-8", day=8, decision=D.REJECT, refusals=((R.WINDOW_EXPIRED,),), case_refusals=(R.NO_ELIGIBLE_ITEMS,)),
    Case("tw-day-7", country="TW", currency="TWD", lines=(_t(currency="TWD"),), day=7),
    Case(
        "tw-day-8",
        "TW",
        8,
        currency="TWD",
        lines=(_t(currency="TWD"),),
        decision=D.REJECT,
        refusals=((R.WINDOW_EXPIRED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case("eu-day-13", "DE", 13, currency="EUR", lines=(_t(currency="EUR"),)),
    Case("eu-day-14", "DE", 14, currency="EUR", lines=(_t(currency="EUR"),)),
    Case(
        "eu-day-15",
        "FR",
        15,
        currency="EUR",
        lines=(_t(currency="EUR"),),
        decision=D.REJECT,
        refusals=((R.WINDOW_EXPIRED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case("us-day-30", "US", 30, currency="USD", lines=(_t(currency="USD"),)),
    Case(
        "us-day-31",
        "US",
        31,
        currency="USD",
        lines=(_t(currency="USD"),),
        decision=D.REJECT,
        refusals=((R.WINDOW_EXPIRED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case(
        "category-window",
        "US",
        45,
        currency="USD",
        lines=(line("L1", currency="USD", category="furniture"),),
        rules={"category_window_days": {"furniture": 60}},
    ),
    Case(
        "not-delivered",
        delivered=None,
        decision=D.REJECT,
        refusals=((R.NOT_DELIVERED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    # Exclusions apply to customer-fault returns; a fault claim is honoured but checked.
    Case(
        "final-sale-us",
        "US",
        currency="USD",
        lines=(_t(Tag.FINAL_SALE, currency="USD"),),
        decision=D.REJECT,
        refusals=((R.EXCLUDED_TAG,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case("final-sale-eu-withdrawal", "DE", currency="EUR", lines=(_t(Tag.FINAL_SALE, currency="EUR"),)),
    Case(
        "perishable-cn",
        lines=(_t(Tag.PERISHABLE),),
        decision=D.REJECT,
        refusals=((R.EXCLUDED_TAG,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case(
        "perishable-defective",
        lines=(_t(Tag.PERISHABLE),),
        items=(("L1", 1, DEFECT),),
        decision=D.REVIEW,
        review=(V.FAULT_CLAIM_ON_EXCLUDED_ITEM,),
    ),
    Case(
        "two-exclusions",
        lines=(_t(Tag.HYGIENE, Tag.FINAL_SALE),),
        decision=D.REJECT,
        refusals=((R.EXCLUDED_TAG, R.EXCLUDED_TAG),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case(
        "unknown-fault-on-excluded",
        "US",
        currency="USD",
        lines=(_t(Tag.FINAL_SALE, currency="USD"),),
        items=(("L1", 1, Reason.OTHER),),
        decision=D.REJECT,
        refusals=((R.EXCLUDED_TAG,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    # Quantities against what is left after earlier cases.
    Case("partly-returned-rest", lines=(_t(qty=3),), returned={"L1": 2}, items=(("L1", 1, Reason.WRONG_SIZE),)),
    Case(
        "partly-returned-too-many",
        lines=(_t(qty=3),),
        returned={"L1": 2},
        items=(("L1", 2, Reason.WRONG_SIZE),),
        decision=D.REJECT,
        refusals=((R.QUANTITY_EXCEEDS_REMAINING,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case(
        "fully-returned",
        lines=(_t(qty=2),),
        returned={"L1": 2},
        decision=D.REJECT,
        refusals=((R.ALREADY_RETURNED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case(
        "duplicate-line",
        lines=(_t(qty=3),),
        items=(("L1", 1, Reason.WRONG_SIZE), ("L1", 1, Reason.CHANGED_MIND)),
        refusals=((), (R.DUPLICATE_LINE,)),
    ),
    Case(
        "unknown-line",
        items=(("L1", 1, Reason.WRONG_SIZE), ("NOPE", 1, Reason.WRONG_SIZE)),
        refusals=((), (R.UNKNOWN_LINE,)),
    ),
    Case(
        "zero-quantity",
        items=(("L1", 0, Reason.WRONG_SIZE),),
        decision=D.REJECT,
        refusals=((R.INVALID_QUANTITY,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case(
        "negative-quantity",
        items=(("L1", -2, Reason.WRONG_SIZE),),
        decision=D.REJECT,
        refusals=((R.INVALID_QUANTITY,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case("empty-request", items=(), decision=D.REJECT, refusals=(), case_refusals=(R.EMPTY_REQUEST,)),
    # Review triggers.
    Case("high-value", lines=(_t(unit=5_000_00),), decision=D.REVIEW, review=(V.HIGH_VALUE,)),
    Case("just-below-high-value", lines=(_t(unit=4_999_99),)),
    Case("blocklisted", history=CustomerHistory(blocklisted=True), decision=D.REVIEW, review=(V.BLOCKLISTED,)),
    Case(
        "return-rate",
        history=CustomerHistory(orders=4, returned_orders=2),
        decision=D.REVIEW,
        review=(V.HIGH_RETURN_RATE,),
    ),
    Case("return-rate-too-few-orders", history=CustomerHistory(orders=2, returned_orders=2)),
    Case(
        "empty-box-history",
        history=CustomerHistory(empty_box_findings=1),
        decision=D.REVIEW,
        review=(V.EMPTY_BOX_HISTORY,),
    ),
    Case("reason-other", items=(("L1", 1, Reason.OTHER),), decision=D.REVIEW, review=(V.UNKNOWN_FAULT,)),
    Case("manual-approval", rules={"auto_approve": False}, decision=D.REVIEW, review=(V.MANUAL_APPROVAL,)),
    Case(
        "rejection-wins-over-review",
        day=9,
        history=CustomerHistory(blocklisted=True),
        decision=D.REJECT,
        refusals=((R.WINDOW_EXPIRED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    # Returnless refunds below the threshold (CNY 30.00 by default).
    Case("keep-it-below", lines=(_t(unit=30_00),), resolution=Res.KEEP_IT),
    Case(
        "keep-it-above",
        lines=(_t(unit=30_01),),
        resolution=Res.KEEP_IT,
        decision=D.REJECT,
        case_refusals=(R.KEEP_IT_ABOVE_THRESHOLD,),
    ),
    Case(
        "keep-it-unconfigured-currency",
        "US",
        currency="EUR",
        lines=(_t(unit=1_00, currency="EUR"),),
        resolution=Res.KEEP_IT,
        decision=D.REJECT,
        case_refusals=(R.RESOLUTION_NOT_ALLOWED,),
    ),
    # 三包: a performance fault stays returnable past the no-reason window, with fewer remedies.
    Case("3g-day-5-refund", lines=(_t(*TG),), day=5, items=(("L1", 1, DEFECT),)),
    Case(
        "3g-day-10-refund",
        lines=(_t(*TG),),
        day=10,
        items=(("L1", 1, DEFECT),),
        decision=D.REJECT,
        refusals=((R.RESOLUTION_NOT_ALLOWED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case("3g-day-10-exchange", lines=(_t(*TG),), day=10, items=(("L1", 1, DEFECT),), resolution=Res.EXCHANGE),
    Case("3g-day-20-repair", lines=(_t(*TG),), day=20, items=(("L1", 1, DEFECT),), resolution=Res.REPAIR),
    Case(
        "3g-day-20-exchange",
        lines=(_t(*TG),),
        day=20,
        items=(("L1", 1, DEFECT),),
        resolution=Res.EXCHANGE,
        decision=D.REJECT,
        refusals=((R.RESOLUTION_NOT_ALLOWED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case(
        "3g-after-warranty",
        lines=(_t(*TG),),
        day=400,
        items=(("L1", 1, DEFECT),),
        resolution=Res.REPAIR,
        decision=D.REJECT,
        refusals=((R.WINDOW_EXPIRED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case(
        "3g-needs-a-fault",
        lines=(_t(*TG),),
        day=10,
        decision=D.REJECT,
        refusals=((R.WINDOW_EXPIRED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    Case(
        "repair-needs-a-fault",
        resolution=Res.REPAIR,
        decision=D.REJECT,
        refusals=((R.RESOLUTION_NOT_ALLOWED,),),
        case_refusals=(R.NO_ELIGIBLE_ITEMS,),
    ),
    # Other currencies: JPY has no decimals, KWD three.
    Case("jpy-keep-it", "JP", currency="JPY", lines=(_t(unit=1_000, currency="JPY"),), resolution=Res.KEEP_IT),
    Case(
        "jpy-high-value",
        "JP",
        currency="JPY",
        lines=(_t(unit=150_000, currency="JPY"),),
        decision=D.REVIEW,
        review=(V.HIGH_VALUE,),
    ),
    Case(
        "kwd-high-value",
        "KW",
        currency="KWD",
        lines=(_t(unit=300_000, currency="KWD"),),
        decision=D.REVIEW,
        review=(V.HIGH_VALUE,),
    ),
    Case("kwd-below", "KW", currency="KWD", lines=(_t(unit=299_999, currency="KWD"),)),
]


def run(case: Case) -> Eligibility:
    o = order(
        *(case.lines or (line(currency=case.currency),)),
        country=case.country,
        currency=case.currency,
        delivered=case.delivered,
        already_returned=case.returned,
    )
    req = request(*(item(*spec) for spec in case.items), resolution=case.resolution) if case.items else None
    if req is None:
        req = request(item()).model_copy(update={"items": ()})
    return evaluate(o, req, market(case.country, **case.rules), now=days_after_delivery(case.day), history=case.history)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_eligibility_table(case: Case) -> None:
    result = run(case)
    assert result.decision is case.decision
    expected = case.refusals if case.refusals is not None else tuple(() for _ in case.items)
    assert tuple(tuple(r.code for r in i.refusals) for i in result.items) == expected
    assert all(i.eligible is (not i.refusals) for i in result.items)
    assert tuple(r.code for r in result.refusals) == case.case_refusals
    assert tuple(r.code for r in result.review) == case.review


def test_window_refusal_names_the_last_day() -> None:
    result = run(Case("x", day=8))
    assert result.items[0].refusals[0].params == {"deadline": (DELIVERED + timedelta(days=7)).date().isoformat()}
    assert result.items[0].window_ends_at == datetime(2026, 3, 10, tzinfo=DELIVERED.tzinfo)


def test_partly_returned_line_reports_what_is_left() -> None:
    result = run(Case("x", lines=(_t(qty=5),), returned={"L1": 3}, items=(("L1", 4, Reason.WRONG_SIZE),)))
    assert result.items[0].returnable_quantity == 2
    assert result.items[0].refusals[0].params == {"requested": 4, "remaining": 2}


def test_three_guarantees_lists_the_remedies_still_open() -> None:
    result = run(Case("x", lines=(_t(*TG),), day=10, items=(("L1", 1, DEFECT),)))
    # 换货 (an exchange for the same item or another variant) and repair; no refund any more
    assert result.items[0].allowed_resolutions == (Res.EXCHANGE, Res.REPAIR, Res.REPLACEMENT)
    assert result.items[0].refusals[0].params == {"resolution": "refund", "allowed": "exchange,repair,replacement"}


def test_estimate_counts_discount_and_tax_and_leaves_out_ineligible_items() -> None:
    o = order(
        line("A", unit=60_00, tax=7_80),
        line("B", unit=40_00, tax=5_20, tags=(Tag.FINAL_SALE,)),
        discount=10_00,
    )
    req = request(item("A"), item("B"))
    result = evaluate(o, req, market("CN"), now=days_after_delivery(2), history=CustomerHistory())
    assert [i.eligible for i in result.items] == [True, False]
    assert result.refund_estimate == Money(60_00 - 6_00 + 7_80, "CNY")
    assert result.postage_payer is Payer.CUSTOMER


@pytest.mark.parametrize(
    ("country", "currency", "day", "reason", "fee_if_opened"),
    [
        ("US", "USD", 10, Reason.CHANGED_MIND, 15_00),  # merchant market: fee on customer-fault returns
        ("US", "USD", 10, Reason.DEFECTIVE, 0),  # never on a merchant fault
        ("CN", "CNY", 5, Reason.CHANGED_MIND, 0),  # never on a CN no-reason return
        ("CN", "CNY", 10, Reason.CHANGED_MIND, 15_00),  # past the statutory 7 days, in a 15-day merchant window
        ("DE", "EUR", 10, Reason.WRONG_SIZE, 0),  # never on an EU withdrawal
    ],
)
def test_restocking_fee_only_where_the_law_allows(country, currency, day, reason, fee_if_opened) -> None:
    o = order(line("L1", unit=100_00, currency=currency), country=country, currency=currency)
    m = market(country, restocking_fee_bp=1_500, window_days=15 if country == "CN" else 30)
    result = evaluate(o, request(item(reason=reason)), m, now=days_after_delivery(day), history=CustomerHistory())
    assert result.restocking_fee_if_opened == Money(fee_if_opened, currency)
    assert result.refund_estimate == Money(100_00, currency)  # assumes the goods come back unopened
    charged = evaluate(
        o,
        request(item(reason=reason)),
        m.model_copy(update={"restocking_fee_on": "all"}),
        now=days_after_delivery(day),
        history=CustomerHistory(),
    )
    assert charged.refund_estimate == Money(100_00 - fee_if_opened, currency)


def test_eu_withdrawal_refunds_outbound_shipping_only_for_a_full_return() -> None:
    o = order(
        line("A", unit=50_00, currency="EUR"), line("B", unit=30_00, currency="EUR"), shipping=4_95, currency="EUR"
    )
    m = market("DE")
    full = evaluate(o, request(item("A"), item("B")), m, now=days_after_delivery(5), history=CustomerHistory())
    part = evaluate(o, request(item("A")), m, now=days_after_delivery(5), history=CustomerHistory())
    assert full.breakdown.shipping == Money(4_95, "EUR")
    assert full.refund_estimate == Money(84_95, "EUR")
    assert part.breakdown.shipping == Money(0, "EUR")
    assert full.law_basis is LawBasis.EU_WITHDRAWAL_14D
    # The rest of the order, returned later, completes it: shipping then follows.
    rest = o.model_copy(update={"already_returned": {"A": 1}})
    later = evaluate(rest, request(item("B")), m, now=days_after_delivery(9), history=CustomerHistory())
    assert later.breakdown.shipping == Money(4_95, "EUR")


def test_merchant_fault_refunds_shipping_and_merchant_pays_postage() -> None:
    o = order(line("A", unit=100_00), shipping=10_00)
    m = market("CN", return_label_fee={"CNY": 12_00})
    faulty = evaluate(
        o, request(item("A", reason=Reason.WRONG_ITEM_SENT)), m, now=days_after_delivery(3), history=CustomerHistory()
    )
    assert (faulty.postage_payer, faulty.breakdown.return_postage.minor, faulty.refund_estimate.minor) == (
        Payer.MERCHANT,
        0,
        110_00,
    )
    mind = evaluate(o, request(item("A")), m, now=days_after_delivery(3), history=CustomerHistory())
    assert (mind.postage_payer, mind.breakdown.return_postage.minor, mind.refund_estimate.minor) == (
        Payer.CUSTOMER,
        12_00,
        88_00,
    )
    own_label = evaluate(
        o, request(item("A"), use_merchant_label=False), m, now=days_after_delivery(3), history=CustomerHistory()
    )
    assert own_label.refund_estimate.minor == 100_00


def test_returnless_refund_has_no_shipment() -> None:
    o = order(line("A", unit=20_00))
    result = evaluate(
        o,
        request(item("A"), resolution=Res.KEEP_IT),
        market("CN"),
        now=days_after_delivery(1),
        history=CustomerHistory(),
    )
    assert result.returnless and result.returnless_allowed
    assert result.postage_payer is None
    assert result.deadlines.ship_by is None
    assert result.refund_estimate == Money(20_00, "CNY")


def test_deadlines_follow_the_market_clock() -> None:
    now = days_after_delivery(3)
    eu = run(Case("x", "DE", currency="EUR", lines=(_t(currency="EUR"),)))
    assert eu.deadlines.refund_due == now + timedelta(days=14)
    assert eu.deadlines.ship_by == now + timedelta(days=14)
    assert eu.deadlines.ship_by_reminder == now + timedelta(days=11)
    assert eu.deadlines.review_due is None
    cn = run(Case("x"))
    assert cn.deadlines.refund_due is None  # runs from receipt of the goods
    assert cn.deadlines.statutory_until == datetime(2026, 3, 10, tzinfo=DELIVERED.tzinfo)
    rejected = run(Case("x", "DE", 20, currency="EUR", lines=(_t(currency="EUR"),)))
    assert (rejected.deadlines.refund_due, rejected.deadlines.ship_by) == (None, None)
    review = run(Case("x", history=CustomerHistory(blocklisted=True)))
    assert review.deadlines.review_due == now + timedelta(hours=48)
    assert review.deadlines.ship_by is None


def test_eligibility_is_json_serialisable() -> None:
    result = run(Case("x", day=8))
    assert Eligibility.model_validate_json(result.model_dump_json()) == result


def test_stored_timestamps_without_offset_are_read_as_utc() -> None:
    naive = datetime(2026, 3, 2, 2, 0)  # noqa: DTZ001 - as SQLite returns it
    o = order(delivered=naive)
    assert o.delivered_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    result = evaluate(
        o, request(), market("CN"), now=datetime(2026, 3, 9, 23, 0, tzinfo=UTC), history=CustomerHistory()
    )
    assert result.decision is Decision.APPROVE


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        evaluate(order(), request(), market("CN"), now=datetime(2026, 3, 5), history=CustomerHistory())  # noqa: DTZ001
