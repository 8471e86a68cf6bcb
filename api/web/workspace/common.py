"""What every workspace page shares: who may open it, labels for statuses, and deadline countdowns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from babel.dates import format_timedelta
from fastapi import Depends
from starlette.requests import Request

from api.audited import client_ip
from api.deps import Staff
from api.web import i18n
from api.web.i18n import N_
from api.web.staff import staff_page
from services.audit import Who

CASE_WORKERS = ("agent", "supervisor")  # admin always may; finance reads money, it does not work cases
Agent = Annotated[Staff, Depends(staff_page(*CASE_WORKERS))]
Admin = Annotated[Staff, Depends(staff_page("admin"))]

STATUS_LABELS = {
    "requested": N_("Requested"),
    "pending_review": N_("Waiting for review"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "awaiting_shipment": N_("Awaiting shipment"),
    "in_transit": N_("In transit"),
    "customs_hold": N_("Held at customs"),
    "received": N_("Received"),
    "inspected": N_("Inspected"),
    "repairing": N_("At the repair centre"),
    "resolving": N_("Refund under way"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
}
VIEW_LABELS = {
    "mine": N_("My cases"),
    "breached": N_("Breached SLAs"),
    "replied": N_("Customer replied"),
    "review": N_("Waiting for review"),
    "inspection": N_("Awaiting inspection"),
    "customs": N_("Cross-border holds"),
    "complaints": N_("Complaints"),
}
RISK_LABELS = {  # the keys of domain.risk.BY_TRIGGER, in its order
    "high_value": N_("High value"),
    "high_return_rate": N_("High return rate"),
    "blocklisted": N_("Blocklisted"),
    "empty_box_history": N_("Empty boxes before"),
}
DEADLINE_LABELS = {
    "ship_by": N_("Ship by"),
    "ship_by_reminder": N_("Ship-by reminder"),
    "refund_due": N_("Refund due"),
    "statutory_until": N_("Statutory period ends"),
    "window_ends_at": N_("Return window ends"),
    "sla_due_at": N_("SLA due"),
}
CLOSED = ("completed", "cancelled")
# The workflow's refusals, so the page can show them in the agent's language.
REFUSALS = (
    N_("only a case waiting for review can be approved"),
    N_("only a case waiting for review can be rejected"),
    N_("a rejection needs a reason the customer will read"),
    N_("goods can be inspected once they are received, and only once"),
    N_("the parcel is already with the carrier: the return can no longer be cancelled"),
    N_("the refund is already under way"),
    N_("only a rejected case can be overridden"),
    N_("the appeal window of this case has closed"),
    N_("an override needs a reason"),
    N_("the case is cancelled"),
    N_("goodwill needs a reason"),
    N_("this case changed while you were looking"),
    N_("this case is closed: nothing more can be done on it"),
)
CHANGED = REFUSALS[11]


def who(request: Request, staff: Staff) -> Who:
    return Who(staff.username, staff.role, client_ip(request))


def countdowns(now: datetime) -> Callable[[datetime | str | None], tuple[str, str]]:
    """For templates: a deadline as "due in 5 hours" or "overdue by 2 hours" (text, css state), in the page's
    language; called while the page renders, after its language is active."""

    def countdown(due: datetime | str | None) -> tuple[str, str]:
        if due is None:
            return "", ""
        when = datetime.fromisoformat(due) if isinstance(due, str) else due
        delta = when - now
        span = format_timedelta(abs(delta), format="short", locale=i18n.babel_locale(i18n.current()))
        if delta.total_seconds() >= 0:
            state = "soon" if delta.total_seconds() < 86_400 else ""
            return i18n.gettext("due in %(span)s") % {"span": span}, state
        return i18n.gettext("overdue by %(span)s") % {"span": span}, "breached"

    return countdown
