"""Words for customers: why an item can't come back, what happens next, and timeline entries in plain language
(never internal codes). Refusal and review texts come from domain/messages.py through the eligibility answer."""

from __future__ import annotations

from typing import Any

from api.web import i18n
from api.web.forms import Form
from api.web.i18n import N_
from api.web.portal.items import LineRow, exchange_errors
from domain.errors import DomainError
from domain.policy import Eligibility
from services.return_input import ReturnInput

ORDER_CHANGED = N_("Your order changed while you were filling in this form. Please check your choices again.")


def request_refused(form: Form, rows: list[LineRow], data: ReturnInput, refused: DomainError) -> None:
    """The service's refusal of the whole request, next to the field it is about: the new item of an exchange
    that can't be had, else the items (the order changed since the form was shown)."""
    if refused.code == "invalid_exchange" and exchange_errors(form, rows, data, refused.fields):
        return
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
    "exchange.reserved": N_("We set your new item aside"),
    "exchange.out_of_stock": N_("Your new item is out of stock: please tell us what you would like"),
    "exchange.customer_chose": N_("You told us what you would like"),
    "exchange.waiting": N_("We are waiting for your new item to come back in stock"),
    "exchange.shipped": N_("Your new item is on its way"),
    "exchange.refund_instead": N_("We could not send your new item, so we are refunding you instead"),
    "exchange.hold_captured": N_("Your return did not arrive, so the amount held on your card was charged"),
    "exchange.hold_released": N_("We received your return, so the amount held on your card was released"),
    "return_not_received": N_("We did not receive your return by its deadline"),
    "repair.at_repair_centre": N_("Your item reached our repair centre"),
    "repair.quoted": N_("The repair is not covered: please accept or decline the quote"),
    "repair.quote_accepted": N_("You accepted the repair quote"),
    "repair.quote_declined": N_("You declined the repair quote"),
    "repair.quote_paid": N_("The repair was paid and is under way"),
    "repair.quote_lapsed": N_("The repair quote was not answered in time; your item is coming back unrepaired"),
    "repair.quote_payment_declined": N_("The payment for the repair was declined; your item is coming back unrepaired"),
    "repair.repaired": N_("Your item was repaired and is on its way back"),
    "repair.returned_unrepaired": N_("Your item is on its way back unrepaired"),
    "repair.not_repairable": N_("Your item cannot be repaired"),
    "outbound.in_transit": N_("Your parcel from us is on its way"),
    "outbound.delivered": N_("Your parcel from us was delivered"),
}
# Where the new goods of an exchange or replacement, or a repair, stand (the panel on the status page).
EXCHANGE_STATES = {
    "requested": N_("We are getting your new item ready"),
    "reserved": N_("Set aside for you; we send it once we have checked the item you return"),
    "out_of_stock": N_("Out of stock: please choose below"),
    "waiting_for_stock": N_("Waiting for it to come back in stock"),
    "shipped": N_("On its way to you"),
    "delivered": N_("Delivered"),
    "released": N_("Cancelled"),
    "refunded_instead": N_("Not available: refunded instead"),
}
REPAIR_STATES = {
    "requested": N_("Waiting for your parcel to reach the repair centre"),
    "at_repair_centre": N_("At the repair centre"),
    "quoted": N_("Waiting for your answer to the quote"),
    "repaired": N_("Repaired and on its way back"),
    "returned_unrepaired": N_("On its way back unrepaired"),
    "not_repairable": N_("Cannot be repaired"),
    "delivered": N_("Back with you"),
}


def goods_state(kind: str, status: str) -> str:
    table = REPAIR_STATES if kind == "repair" else EXCHANGE_STATES
    return i18n.gettext(table.get(status, N_("In progress")))


STATUSES = {
    "requested": N_("Requested"),
    "pending_review": N_("Being checked by our team"),
    "approved": N_("Approved"),
    "rejected": N_("Not accepted"),
    "awaiting_shipment": N_("Waiting for you to send the parcel"),
    "in_transit": N_("On its way to us"),
    "received": N_("Received"),
    "inspected": N_("Checked"),
    "repairing": N_("At the repair centre"),
    "resolving": N_("Refund in progress"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
}


GOODS_BACK = N_("Sending your item")  # resolving an exchange, replacement or repair: goods, not money, go out


def status_text(status: str, resolution: str | None = None) -> str:
    if status == "resolving" and resolution in ("exchange", "replacement", "repair"):
        return i18n.gettext(GOODS_BACK)
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
