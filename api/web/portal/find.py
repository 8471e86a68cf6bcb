"""Step 1 of filing a return: the customer proves the order is theirs (order number + email, or phone)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import ResourcesDep, SessionDep
from api.limits import TooManyAttempts, check_rate, with_retry_after
from api.web import i18n
from api.web.forms import read_form
from api.web.i18n import N_
from db.models import Order
from db.repositories.orders import get_order
from domain.errors import NotFound
from services import case_links

router = APIRouter(include_in_schema=False)
LINK_INVALID = N_("This return link is not valid any more. Please enter your order number and email address.")
TOO_MANY = N_("Too many attempts from here. Please wait a few minutes and try again.")
NOT_FOUND = N_("We could not find an order with that number and email address or phone number.")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def owns(order: Order, contact: str) -> bool:
    """The contact given matches the order's email, or its phone (with or without the country code)."""
    contact = contact.strip()
    if "@" in contact:
        return contact.lower() == order.customer.email.lower()
    given, phone = _digits(contact), _digits(order.customer.phone or "")
    return len(given) >= 7 and bool(phone) and (given == phone or phone.endswith(given) or given.endswith(phone))


async def filing_order(request: Request, session: SessionDep) -> Order:
    """The order found in step 1 and kept in the session; NotFound once the session has forgotten it."""
    kept = request.session.get("filing") or {}
    order = await get_order(session, str(kept.get("order", ""))) if kept else None
    if order is None or order.customer.email != kept.get("email"):
        raise NotFound("Not Found", code="order_not_found")
    return order


def cases_here(request: Request) -> list[str]:
    """The returns this browser filed or opened from a mail, newest last."""
    return list((request.session.get("cases") or {}).keys())


@router.get("/returns")
async def find_page(request: Request, resources: ResourcesDep) -> Response:
    """The portal's front door: find your order, or go back to a return filed from this browser."""
    return resources.pages.render(request, "portal/find.html", {"cases": cases_here(request)})


@router.post("/returns")
async def find_submit(request: Request, resources: ResourcesDep, session: SessionDep) -> Response:
    """Check the order belongs to whoever typed its number and contact, then go on to choosing items."""
    i18n.activate(i18n.choose(request))
    form = await read_form(request)
    number = str(form.values.get("order_number", "")).strip()
    contact = str(form.values.get("contact", "")).strip()
    if not number:
        form.error("order_number", N_("Please fill in this field."))
    if not contact:
        form.error("contact", N_("Please fill in this field."))
    refused = None
    if form.ok:
        try:  # guessing order numbers and contacts costs time
            check_rate(request, resources.settings, lookup_ip=None, lookup_order=number)
        except TooManyAttempts as too_many:
            form.error("form", TOO_MANY)
            refused = too_many
    order = await get_order(session, number) if form.ok else None
    if form.ok and (order is None or not owns(order, contact)):
        # One answer for a wrong number and a wrong contact: the form cannot tell anyone which orders exist.
        form.error("order_number", NOT_FOUND)
    if not form.ok or order is None:
        context: dict[str, Any] = {"values": form.values, "errors": form.errors, "cases": cases_here(request)}
        page = resources.pages.render(request, "portal/find.html", context, status_code=422)
        return with_retry_after(page, refused) if refused else page
    request.session["filing"] = {"order": order.number, "email": order.customer.email}
    return RedirectResponse("/returns/new", status_code=303)


@router.get("/returns/start")
async def start_from_link(
    request: Request, resources: ResourcesDep, session: SessionDep, order: str = "", email: str = "", sig: str = ""
) -> Response:
    """The storefront's signed "Start a return" link: straight to choosing items; a forged or stale link lands on
    the find-your-order form with a message (and says nothing about whether the order exists)."""
    secret = resources.settings.session_secret.get_secret_value()
    check_rate(request, resources.settings, i18n.gettext(TOO_MANY), lookup_ip=None, lookup_order=order)
    found = await get_order(session, order) if case_links.start_allows(secret, sig, order, email) else None
    if found is None or found.customer.email.lower() != email.lower():
        i18n.activate(i18n.choose(request))
        form_errors = {"order_number": i18n.gettext(LINK_INVALID)}
        context: dict[str, Any] = {
            "values": {"order_number": order},
            "errors": form_errors,
            "cases": cases_here(request),
        }
        return resources.pages.render(request, "portal/find.html", context, status_code=400)
    request.session["filing"] = {"order": found.number, "email": found.customer.email}
    return RedirectResponse("/returns/new", status_code=303)
