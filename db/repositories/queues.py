"""Queries behind the agents' queues: filters, exact-match search, keyset pages and per-queue counts.
Every filter and sort has an index (migrations 0008, 0014), so a page costs the same at case 100 and 100,000."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, func, or_, select, tuple_, union
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Complaint, Customer, Order, ReturnCase, Shipment, StaffUser
from domain.risk import ANY

OPEN_STATUSES = ("requested", "pending_review", "approved", "awaiting_shipment", "in_transit", "customs_hold",
                 "received", "inspected", "repairing", "resolving")  # fmt: skip
DUE_SOON = timedelta(hours=24)
SORTS = ("newest", "oldest", "value", "sla", "replied")
ASCENDING = ("oldest", "sla", "replied")  # the rest go from the newest or dearest down


@dataclass(frozen=True)
class Filters:
    """What an agent asked the queue for; None means "any"."""

    status: str | None = None
    sla: str | None = None  # soon | breached
    assignee_id: int | None = None
    unassigned: bool = False
    market: str | None = None
    resolution: str | None = None
    currency: str | None = None
    value_min: int | None = None  # minor units of `currency`
    value_max: int | None = None
    older_than_days: int | None = None
    q: str | None = None
    with_complaints: bool = False
    customer_replied: bool = False  # a customer's answer waits for an agent
    risk: int | None = None  # domain.risk.RiskFlag bits: cases with any of them


def breached(now: datetime) -> ColumnElement[bool]:
    open_ = ReturnCase.status.in_(OPEN_STATUSES)
    return and_(open_, or_(ReturnCase.escalated, ReturnCase.sla_due_at < now))


def due_soon(now: datetime) -> ColumnElement[bool]:
    return and_(
        ReturnCase.status.in_(OPEN_STATUSES),
        ReturnCase.escalated.is_(False),
        ReturnCase.sla_due_at >= now,
        ReturnCase.sla_due_at < now + DUE_SOON,
    )


def _phones(term: str) -> list[str]:
    """The forms a phone number typed with spaces, dashes, dots or brackets is stored in: as typed, its digits, and
    its digits after a '+' (international)."""
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) < 7:
        return [term]
    return list(dict.fromkeys([term, digits, "+" + digits]))


def _search(term: str) -> ColumnElement[bool]:
    """Exact matches on the case, order, customer email or phone, or a tracking number: each one indexed."""
    ids = union(
        select(ReturnCase.id).where(ReturnCase.number == term.upper()),
        select(ReturnCase.id).join(Order, Order.id == ReturnCase.order_id).where(Order.number == term),
        select(ReturnCase.id)
        .join(Order, Order.id == ReturnCase.order_id)
        .join(Customer, Customer.id == Order.customer_id)
        .where(or_(Customer.email == term.lower(), Customer.phone.in_(_phones(term)))),
        select(Shipment.case_id).where(Shipment.tracking_number == term),
    )
    return ReturnCase.id.in_(ids)


def conditions(f: Filters, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.status:
        where.append(ReturnCase.status == f.status)
    if f.sla == "breached":
        where.append(breached(now))
    elif f.sla == "soon":
        where.append(due_soon(now))
    if f.unassigned:
        where.append(ReturnCase.assignee_id.is_(None))
    elif f.assignee_id is not None:
        where.append(ReturnCase.assignee_id == f.assignee_id)
    if f.market:
        where.append(ReturnCase.market == f.market)
    if f.resolution:
        where.append(ReturnCase.resolution == f.resolution)
    if f.currency:
        where.append(ReturnCase.currency == f.currency)
        if f.value_min is not None:
            where.append(ReturnCase.estimate_minor >= f.value_min)
        if f.value_max is not None:
            where.append(ReturnCase.estimate_minor <= f.value_max)
    if f.older_than_days is not None:
        where.append(ReturnCase.created_at <= now - timedelta(days=f.older_than_days))
    if f.q:
        where.append(_search(f.q.strip()))
    if f.with_complaints:
        where.append(ReturnCase.id.in_(select(Complaint.case_id).where(Complaint.status == "open")))
    if f.customer_replied:
        where.append(ReturnCase.customer_replied_at.is_not(None))  # the partial index's own predicate
    if f.risk:
        where.append(_risky(f.risk))
    return where


def _risky(bits: int) -> ColumnElement[bool]:
    """Cases with any of `bits`; `risk_flags <> 0` comes first, word for word the partial index's predicate,
    so the database walks only the few flagged cases."""
    any_flag = ReturnCase.risk_flags != 0
    return any_flag if bits == ANY else and_(any_flag, ReturnCase.risk_flags.op("&")(bits) != 0)


def _order_by(sort: str) -> tuple[Any, ...]:
    if sort == "oldest":
        return (ReturnCase.created_at.asc(), ReturnCase.id.asc())
    if sort == "value":
        return (ReturnCase.estimate_minor.desc(), ReturnCase.id.desc())
    if sort == "sla":
        return (ReturnCase.sla_due_at.asc(), ReturnCase.id.asc())
    if sort == "replied":
        return (ReturnCase.customer_replied_at.asc(), ReturnCase.id.asc())
    return (ReturnCase.created_at.desc(), ReturnCase.id.desc())


def sort_key(sort: str) -> Any:
    keys = {
        "oldest": ReturnCase.created_at,
        "value": ReturnCase.estimate_minor,
        "sla": ReturnCase.sla_due_at,
        "replied": ReturnCase.customer_replied_at,
    }
    return keys.get(sort, ReturnCase.created_at)


def _after(sort: str, value: Any, last_id: int) -> ColumnElement[bool]:
    """Keyset: the rows strictly after the last one shown, in the sort's direction."""
    key = tuple_(sort_key(sort), ReturnCase.id)
    return key > tuple_(value, last_id) if sort in ASCENDING else key < tuple_(value, last_id)


ROW_COLUMNS = (
    ReturnCase.id,
    ReturnCase.number,
    ReturnCase.status,
    ReturnCase.resolution,
    ReturnCase.market,
    ReturnCase.currency,
    ReturnCase.estimate_minor,
    ReturnCase.escalated,
    ReturnCase.sla_due_at,
    ReturnCase.created_at,
    ReturnCase.last_event_seq,
    ReturnCase.risk_flags,
    ReturnCase.customer_replied_at,
)  # only what a queue row shows: the JSON columns (policy snapshot, eligibility) stay in the database


def page_query(
    f: Filters, now: datetime, sort: str, after: tuple[Any, int] | None, size: int
) -> Select[*tuple[Any, ...]]:
    stmt = (
        select(*ROW_COLUMNS, Order.number.label("order_number"), StaffUser.username.label("assignee"))
        .join(Order, Order.id == ReturnCase.order_id)
        .outerjoin(StaffUser, StaffUser.id == ReturnCase.assignee_id)
        .where(*conditions(f, now))
    )
    if sort == "sla":  # only cases with a clock running have a place in this order
        stmt = stmt.where(ReturnCase.sla_due_at.is_not(None))
    elif sort == "replied" and not f.customer_replied:  # only cases whose customer waits, the longest first
        stmt = stmt.where(ReturnCase.customer_replied_at.is_not(None))  # once: twice, PostgreSQL misjudges the rows
    if after is not None:
        stmt = stmt.where(_after(sort, *after))
    return stmt.order_by(*_order_by(sort)).limit(size + 1)


async def page(
    session: AsyncSession, f: Filters, now: datetime, sort: str, after: tuple[Any, int] | None, size: int
) -> list[Any]:
    """Rows (named tuples) of one queue page, one more than `size` when there is a next page."""
    return list(await session.execute(page_query(f, now, sort, after, size)))


def _capped(ids: Select[Any], cap: int) -> ScalarSelect[int]:
    """How many rows `ids` finds, counting no further than `cap` + 1 (the page then says "1,000+")."""
    return select(func.count()).select_from(ids.limit(cap + 1).subquery()).scalar_subquery()


async def count(session: AsyncSession, f: Filters, now: datetime, *, cap: int) -> int:
    return int(await session.scalar(select(_capped(select(ReturnCase.id).where(*conditions(f, now)), cap))) or 0)


async def queue_counts(session: AsyncSession, now: datetime, me: int | None, *, cap: int) -> dict[str, int]:
    """The saved views' sizes in one statement; each part capped, walking one index (status, assignee, SLA due,
    the escalated and customer-replied partial indexes), so the counts cost the same at 1,000 cases and at 1,000,000."""
    open_ = ReturnCase.status.in_(OPEN_STATUSES)
    # Breached = past its SLA, or escalated for another reason: two disjoint parts, each on its own index.
    flagged = or_(ReturnCase.sla_due_at.is_(None), ReturnCase.sla_due_at >= now)
    views = {
        "mine": select(ReturnCase.id).where(ReturnCase.assignee_id == (me if me is not None else -1), open_),
        "late": select(ReturnCase.id).where(open_, ReturnCase.sla_due_at < now),
        # A bare `escalated` (not `IS true`), so PostgreSQL matches the partial index on it.
        "flagged": select(ReturnCase.id).where(open_, ReturnCase.escalated, flagged),
        "review": select(ReturnCase.id).where(ReturnCase.status == "pending_review"),
        "inspection": select(ReturnCase.id).where(ReturnCase.status == "received"),
        "customs": select(ReturnCase.id).where(ReturnCase.status == "customs_hold"),
        "complaints": select(Complaint.id).where(Complaint.status == "open"),
        "replied": select(ReturnCase.id).where(ReturnCase.customer_replied_at.is_not(None)),
    }
    row = (await session.execute(select(*(_capped(ids, cap).label(name) for name, ids in views.items())))).one()
    found = {name: int(n or 0) for name, n in zip(views, row, strict=True)}
    found["breached"] = min(cap + 1, found.pop("late") + found.pop("flagged"))
    return found


async def status_counts(session: AsyncSession, now: datetime) -> list[tuple[str, int, int]]:
    """(status, cases, of them breached) for every status that has cases: one GROUP BY over the status index,
    for the metrics scrape (all cases, uncapped)."""
    stmt = select(ReturnCase.status, func.count(), func.count().filter(breached(now))).group_by(ReturnCase.status)
    return [(status, int(total), int(late)) for status, total, late in await session.execute(stmt)]


async def staff_id(session: AsyncSession, username: str) -> int | None:
    return await session.scalar(select(StaffUser.id).where(StaffUser.username == username))


async def case_staff(session: AsyncSession) -> list[str]:
    """Usernames cases can be assigned to."""
    stmt = select(StaffUser.username).where(
        StaffUser.active.is_(True), StaffUser.role.in_(("agent", "supervisor", "admin"))
    )
    return list(await session.scalars(stmt.order_by(StaffUser.username)))
