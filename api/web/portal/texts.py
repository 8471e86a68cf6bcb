"""Words for customers: why an item can't come back, what happens next, and timeline entries in plain language
(never internal codes). Refusal and review texts come from domain/messages.py through the eligibility answer."""

from __future__ import annotations

from typing import Any

from api.web import i18n
from api.web.forms import Form
from api.web.i18n import N_
from api.web.portal.items import LineRow
from domain.errors import DomainError
from domain.policy import Eligibility
from services.return_input import ReturnInput

RESOLUTION_UNAVAILABLE = N_(
    "An exchange or a repair can't be requested online yet. Please choose a refund or store credit, "
    "or contact us and we will arrange it."
)
ORDER_CHANGED = N_("Your order changed while you were filling in this form. Please check your choices again.")


def unavailable_resolution(form: Form, refused: DomainError) -> None:
    """The service's refusal of the whole request, next to the field it is about."""
    if refused.code == "resolution_unavailable":
        form.error("resolution", RESOLUTION_UNAVAILABLE)
    else:
        form.error("items", ORDER_CHANGED)


def refusal_errors(form: Form, rows: list[LineRow], data: ReturnInput, elig: Eligibility, locale: str) -> bool:
    """Mark every item the policy refuses with its reasons; True when every chosen item may come back."""
    by_line = {row.line_id: row for row in rows}
    ok = True
    for item in elig.items:
        if not item.eligible:
            ok = False
            row = by_line[item.line_id]
            form.errors.setdefault(f"qty.{row.n}", " ".join(r.text(locale) for r in item.refusals))
    if ok and elig.refusals:
        form.errors.setdefault("items", " ".join(r.text(locale) for r in elig.refusals))
        ok = False
    return ok


def decision_notes(elig: Eligibility, locale: str) -> list[str]:
    """What happens after confirming, as the policy decided it."""
    if elig.decision.value == "review":
        return list(dict.fromkeys(t.text(locale) for t in elig.review))
    if elig.returnless:
        return [i18n.gettext(N_("You can keep the items: we will refund you without a return."))]
    return [i18n.gettext(N_("Your return will be approved straight away and we will email you a return label."))]


# Timeline: event type -> what the customer reads. Events not listed are internal (notes, SLA clocks, ...).
EVENTS = {
    "requested": N_("You asked for a return"),
    "review_requested": N_("Our team is checking your request"),
    "approved": N_("Your return was approved"),
    "overridden": N_("Your return was approved after a second look"),
    "rejected": N_("Your return could not be accepted"),
    "label_issued": N_("Your return label is ready"),
    "ship_by_reminder": N_("Reminder: please send your parcel soon"),
    "carrier.picked_up": N_("The carrier picked up your parcel"),
    "carrier.in_transit": N_("Your parcel is on its way to us"),
    "carrier.delivered": N_("We received your parcel"),
    "carrier.exception": N_("The carrier reported a delay"),
    "carrier.lost": N_("The carrier lost your parcel; we will refund you anyway"),
    "carrier.damaged": N_("The carrier reported damage to your parcel"),
    "inspected": N_("We checked the items you sent"),
    "refund_started": N_("Your refund is being paid"),
    "refund.succeeded": N_("Your refund was paid"),
    "store_credit.issued": N_("Your store credit was added"),
    "refund.failed": N_("Your refund is delayed; our team is on it"),
    "info_requested": N_("We asked you for more information"),
    "customer_replied": N_("You replied"),
    "complaint_raised": N_("You raised a complaint"),
    "completed": N_("Your return is complete"),
    "cancelled": N_("Your return was cancelled"),
}
STATUSES = {
    "requested": N_("Requested"),
    "pending_review": N_("Being checked by our team"),
    "approved": N_("Approved"),
    "rejected": N_("Not accepted"),
    "awaiting_shipment": N_("Waiting for you to send the parcel"),
    "in_transit": N_("On its way to us"),
    "received": N_("Received"),
    "inspected": N_("Checked"),
    "resolving": N_("Refund in progress"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
}


def status_text(status: str) -> str:
    return i18n.gettext(STATUSES.get(status, N_("In progress")))


def timeline(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events a customer cares about, with their words; agents' messages to the customer are kept."""
    shown = []
    for event in events:
        title = EVENTS.get(event["type"])
        if title is None:
            continue
        data = event.get("data") or {}
        detail = data.get("message") if event["type"] in ("info_requested", "customer_replied") else None
        if event["type"] == "rejected" and data.get("reason"):
            detail = data["reason"]
        shown.append({"at": event["at"], "title": i18n.gettext(title), "detail": detail})
    return shown
