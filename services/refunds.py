"""Reserving a refund: the amount from the policy snapshot and inspection, split over the order's tenders,
never more than any tender has left across every case of the order."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Order, Refund, ReturnCase
from db.repositories.cases import lock_case
from domain.errors import Conflict, NotFound
from domain.inspection import inspect
from domain.money import Money
from domain.policy import MarketPolicy
from domain.refunds import RefundItem, compute_refund, split_by_tender_positions
from services.order_facts import order_facts, refunded_quantities
from workflows.contracts import RefundPart, RefundPlan, refund_part_key

VIA_PROVIDER = {"card", "wallet"}


async def reserve_refund(session: AsyncSession, case_number: str, n: int, grades: dict[str, str]) -> RefundPlan:
    """Plan refund `n` of the case and record its parts as pending; asking again returns the same plan."""
    case = await lock_case(session, case_number)
    if case is None:
        raise NotFound(f"no case numbered {case_number}", code="case_not_found")
    kind = "store_credit" if case.resolution == "store_credit" else "refund"
    existing = list(
        await session.scalars(
            select(Refund).where(Refund.case_id == case.id, Refund.n == n).order_by(Refund.tender_position)
        )
    )
    # Lock the order: two cases of one order must not both spend the same refundable balance.
    order = (
        await session.scalars(
            select(Order)
            .where(Order.id == case.order_id)
            .with_for_update()
            .options(selectinload(Order.lines), selectinload(Order.tenders))
        )
    ).one()
    await session.refresh(case, ["items"])
    facts = await order_facts(session, order, exclude_case_id=case.id)
    facts = facts.model_copy(
        update={"already_returned": await refunded_quantities(session, order.id, exclude_case_id=case.id)}
    )
    market = MarketPolicy.model_validate(case.policy_snapshot)
    line_ids = {li.id: li.line_id for li in order.lines}
    statutory = {i["line_id"]: bool(i.get("statutory")) for i in case.eligibility.get("items", [])}
    items = []
    for item in (i for i in case.items if i.eligible):
        line_id = line_ids[item.order_line_id]
        grade = grades.get(line_id, "A")  # not inspected (returnless, lost by the carrier): refunded in full
        outcome = inspect(grade, reason=item.reason, market=market, statutory=statutory.get(line_id, False))
        if outcome.needs_agent:
            raise Conflict(
                f"line {line_id} graded {grade} needs an agent's decision before any refund", code="refund_needs_agent"
            )
        items.append(
            RefundItem(
                line_id=line_id,
                quantity=item.quantity,
                share_bp=outcome.share_bp,
                restocking_fee=outcome.restocking_fee,
            )
        )
    postage = case.eligibility.get("breakdown", {}).get("return_postage", {}).get("minor", 0)
    breakdown = compute_refund(
        facts,
        items,
        restocking_fee_bp=market.restocking_fee_bp,
        refund_shipping=bool(case.eligibility.get("refund_shipping")),
        return_postage=Money(postage, case.currency),
    )
    summary: dict[str, object] = {
        "items_value": breakdown.items_value.minor,
        "restocking_fee": breakdown.restocking_fee.minor,
        "shipping": breakdown.shipping.minor,
        "return_postage": breakdown.return_postage.minor,
        "deductions": sum(li.deduction.minor for li in breakdown.lines),
    }
    if existing:  # asked again (a retry after the first answer was lost): the same parts, the breakdown again
        return _plan(case, n, kind, existing, {"replayed": True, **summary})
    already = await _refunded_per_tender(session, order)
    split = split_by_tender_positions(breakdown.total, facts.tenders, already, market.tender_refund_order)
    rows = pending_parts(case, order, n, kind, split)
    session.add_all(rows)
    await session.flush()
    return _plan(case, n, kind, rows, summary)


def pending_parts(case: ReturnCase, order: Order, n: int, kind: str, split: list[tuple[int, Money]]) -> list[Refund]:
    """Refund n's parts, one per tender position, pending until the provider answers."""
    return [
        Refund(
            case_id=case.id,
            n=n,
            tender_position=pos,
            idempotency_key=refund_part_key(case.number, n, pos),
            kind=kind,
            tender_type=order.tenders[pos].type,
            charge_id=order.tenders[pos].provider_charge_id,
            amount_minor=amount.minor,
            currency=amount.currency,
            status="pending",
        )
        for pos, amount in split
    ]


async def _refunded_per_tender(session: AsyncSession, order: Order) -> list[Money]:
    """What each tender already gave back (pending counts: it is promised), over all cases of the order."""
    stmt = (
        select(Refund.tender_position, func.sum(Refund.amount_minor))
        .join(ReturnCase, ReturnCase.id == Refund.case_id)
        .where(ReturnCase.order_id == order.id, Refund.status != "failed")
        .group_by(Refund.tender_position)
    )
    done = {pos: int(total) for pos, total in await session.execute(stmt)}
    return [Money(done.get(pos, 0), order.currency) for pos in range(len(order.tenders))]


def _plan(case: ReturnCase, n: int, kind: str, rows: list[Refund], breakdown: dict[str, object]) -> RefundPlan:
    store_credit = kind == "store_credit"
    return RefundPlan(
        case_number=case.number,
        n=n,
        kind=kind,
        breakdown=breakdown,
        parts=[
            RefundPart(
                idempotency_key=r.idempotency_key,
                tender_type="store_credit" if store_credit else r.tender_type,
                charge_id=r.charge_id,
                amount_minor=r.amount_minor,
                currency=r.currency,
                via_provider=not store_credit and r.tender_type in VIA_PROVIDER,
            )
            for r in rows
        ],
    )
