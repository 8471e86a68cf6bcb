"""Goodwill compensation: a refund (or store credit) of an amount an agent chose, never beyond what the
order's tenders captured minus everything already given back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Order, Refund, ReturnCase
from db.repositories.cases import lock_case
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.money import Money
from domain.policy import MarketPolicy
from domain.refunds import RefundCapExceeded, split_by_tender_positions
from services.order_facts import order_facts
from services.refunds import _plan, _refunded_per_tender, pending_parts
from workflows.contracts import GoodwillIn, RefundPlan


async def _order(session: AsyncSession, case: ReturnCase, *, lock: bool) -> Order:
    stmt = (
        select(Order).where(Order.id == case.order_id).options(selectinload(Order.tenders), selectinload(Order.lines))
    )
    return (await session.scalars(stmt.with_for_update() if lock else stmt)).one()


async def refundable_left(session: AsyncSession, case: ReturnCase) -> Money:
    """What the order's tenders can still give back (pending refunds count as given)."""
    order = await _order(session, case, lock=False)
    already = await _refunded_per_tender(session, order)
    captured = sum(t.amount_minor for t in order.tenders)
    return Money(captured - sum(m.minor for m in already), order.currency)


async def reserve_goodwill(session: AsyncSession, wanted: GoodwillIn) -> RefundPlan:
    """Plan goodwill refund n and record its parts as pending; asking again returns the same plan."""
    case = await lock_case(session, wanted.case_number)
    if case is None:
        raise NotFound(f"no case numbered {wanted.case_number}", code="case_not_found")
    existing = list(
        await session.scalars(
            select(Refund).where(Refund.case_id == case.id, Refund.n == wanted.n).order_by(Refund.tender_position)
        )
    )
    if existing:
        return _plan(case, wanted.n, wanted.kind, existing, {"goodwill": True, "replayed": True})
    # Locked like the case's own refund: two payments on one order never spend the same balance.
    order = await _order(session, case, lock=True)
    facts = await order_facts(session, order, exclude_case_id=case.id)
    market = MarketPolicy.model_validate(case.policy_snapshot)
    already = await _refunded_per_tender(session, order)
    amount = Money(wanted.amount_minor, case.currency)
    split = split_by_tender_positions(amount, facts.tenders, already, market.tender_refund_order)
    rows = pending_parts(case, order, wanted.n, wanted.kind, split)
    session.add_all(rows)
    await session.flush()
    return _plan(case, wanted.n, wanted.kind, rows, {"goodwill": True})


async def check_goodwill(session: AsyncSession, case: ReturnCase, role: str, amount: Money) -> None:
    """Refuse goodwill the acting role may not grant or the order cannot pay, with the reason."""
    if amount.currency != case.currency:
        raise InvalidInput(f"goodwill is paid in the case currency, {case.currency}", fields={"amount": "currency"})
    if amount.minor <= 0:
        raise InvalidInput("goodwill must be more than zero", fields={"amount": "not positive"})
    limit = MarketPolicy.model_validate(case.policy_snapshot).goodwill.limit(role, case.currency)
    if limit is not None and amount.minor > limit.minor:
        who = "an admin" if role == "supervisor" else "a supervisor"
        raise Forbidden(f"goodwill above {limit} needs {who}", code="goodwill_over_limit", fields={"amount": "limit"})
    left = await refundable_left(session, case)
    if amount.minor > left.minor:
        raise RefundCapExceeded(
            f"only {left} of what the order paid can still be given back", fields={"amount": "over what was paid"}
        )
