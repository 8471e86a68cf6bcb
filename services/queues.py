"""The agents' queues: saved views, filters, exact-match search, keyset pagination and counts per queue."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import queues as repo
from db.repositories.queues import SORTS, Filters
from domain.errors import DomainError
from domain.money import Money, is_currency
from domain.risk import ANY, BY_TRIGGER, flag_names

PAGE_SIZE = 50
COUNT_CAP = 1000  # beyond this the page says "1,000+": an exact count of 100,000 rows costs more than the page
VIEWS = ("mine", "breached", "replied", "inspection", "customs", "complaints", "review")


@dataclass
class QueueRequest:
    """The queue form as typed (GET parameters), and what was wrong with it."""

    params: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    more: bool  # more than `total` match
    counts: dict[str, int]
    next_cursor: str | None
    sort: str


def encode_cursor(value: Any, last_id: int) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else value, last_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int] | None:
    """The last row of the previous page; None for a cursor that is damaged (the first page is shown)."""
    try:
        value, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if sort in ("newest", "oldest", "sla", "replied"):
            value = datetime.fromisoformat(value)
        return (int(value) if sort == "value" else value), int(last_id)
    except (ValueError, TypeError):
        return None


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def filters_from(
    req: QueueRequest, *, me: int | None, assignee_id: int | None, unknown_assignee: bool = False
) -> Filters:
    """Turn the form into filters; problems are noted per field (the page shows them) and ignored."""
    p = req.params
    f = Filters(
        status=p.get("status") or None,
        sla=p.get("sla") if p.get("sla") in ("soon", "breached") else None,
        market=(p.get("market") or "").strip().upper() or None,
        resolution=p.get("resolution") or None,
        q=(p.get("q") or "").strip() or None,
    )
    who = p.get("assignee", "")
    if who == "none":
        f = replace(f, unassigned=True)
    elif who:
        if unknown_assignee:
            req.errors["assignee"] = "There is no such staff user."
        f = replace(f, assignee_id=assignee_id if assignee_id is not None else -1)
    age = p.get("age", "").strip()
    if age:
        if _int(age) is None:
            req.errors["age"] = "Please enter a whole number."
        f = replace(f, older_than_days=_int(age))
    f = _value_filter(req, f)
    risk = p.get("risk", "")
    if risk == "any" or risk in BY_TRIGGER:
        f = replace(f, risk=ANY if risk == "any" else BY_TRIGGER[risk])
    elif risk:
        req.errors["risk"] = "Please choose one of the options."
    view = p.get("view")
    if view == "mine":
        f = replace(f, assignee_id=me if me is not None else -1, unassigned=False)
    elif view == "breached":
        f = replace(f, sla="breached")
    elif view == "inspection":
        f = replace(f, status="received")
    elif view == "customs":
        f = replace(f, status="customs_hold")
    elif view == "review":
        f = replace(f, status="pending_review")
    elif view == "complaints":
        f = replace(f, with_complaints=True)
    elif view == "replied":
        f = replace(f, customer_replied=True)
    return f


def _value_filter(req: QueueRequest, f: Filters) -> Filters:
    p = req.params
    lo, hi = (p.get("value_min") or "").strip(), (p.get("value_max") or "").strip()
    if not lo and not hi:
        return f
    currency = (p.get("currency") or "").strip().upper()
    if not is_currency(currency):
        req.errors["currency"] = "Choose the currency the amounts are in."
        return f
    bounds: dict[str, int | None] = {}
    for name, text in (("value_min", lo), ("value_max", hi)):
        try:
            bounds[name] = Money.parse(text, currency).minor if text else None
        except DomainError:
            req.errors[name] = "Please enter an amount."
            bounds[name] = None
    return replace(f, currency=currency, value_min=bounds["value_min"], value_max=bounds["value_max"])


async def queue_page(
    session: AsyncSession, f: Filters, *, now: datetime, sort: str, cursor: str | None, me: int | None
) -> QueuePage:
    """One page of the queue (keyset: no OFFSET), its total, and the saved views' counts."""
    sort = sort if sort in SORTS else "newest"
    after = decode_cursor(cursor, sort) if cursor else None
    rows = await repo.page(session, f, now, sort, after, PAGE_SIZE)
    total = await repo.count(session, f, now, cap=COUNT_CAP)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, repo.sort_key(sort).key), last.id)
    return QueuePage(
        rows=[_row(r, now) for r in rows],
        total=min(total, COUNT_CAP),
        more=total > COUNT_CAP,
        counts=await repo.queue_counts(session, now, me, cap=COUNT_CAP),
        next_cursor=next_cursor,
        sort=sort,
    )


def _row(case: Any, now: datetime) -> dict[str, Any]:
    due = case.sla_due_at  # always timezone-aware (UTCDateTime)
    sla = None
    if case.status in repo.OPEN_STATUSES and (case.escalated or (due is not None and due < now)):
        sla = "breached"
    elif case.status in repo.OPEN_STATUSES and due is not None and due < now + repo.DUE_SOON:
        sla = "soon"
    return {
        "number": case.number,
        "order_number": case.order_number,
        "status": case.status,
        "resolution": case.resolution,
        "market": case.market,
        "estimate": {"amount": case.estimate_minor, "currency": case.currency},
        "assignee": case.assignee,
        "sla": sla,
        "sla_due_at": due,
        "created_at": case.created_at,
        "seq": case.last_event_seq,
        "risks": flag_names(case.risk_flags),
        "replied_at": case.customer_replied_at,
    }
