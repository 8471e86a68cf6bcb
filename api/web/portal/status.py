"""The customer's status page: where the return is, what to do next and by when, the label and its QR code."""

from __future__ import annotations

import io
from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ResourcesDep, SessionDep
from api.web import i18n
from api.web.forms import Form
from api.web.portal.access import CustomerCase
from api.web.portal.texts import goods_state, status_text, timeline
from db.models import ReturnCase
from db.models.feedback import COMPLAINT_KINDS
from db.repositories.orders import get_order
from db.repositories.photos import case_complaints, case_rating
from domain.errors import NotFound, Unavailable
from domain.policy import Refusal
from integrations.errors import PartnerError
from services import photos
from services.case_views import case_view
from services.feedback import CLOSED

router = APIRouter(include_in_schema=False)
CANCELLABLE = ("requested", "pending_review", "approved", "awaiting_shipment")


def _label_shipment(view: dict[str, Any]) -> dict[str, Any] | None:
    """The return shipment whose label the customer still needs (until the carrier has the parcel)."""
    for shipment in view["shipments"]:
        if shipment["direction"] == "return" and shipment["label_url"] and shipment["status"] == "label_created":
            return dict(shipment)
    return None


def _awaiting_reply(events: list[dict[str, Any]]) -> str | None:
    """The agent's open question, if the customer has not answered it yet."""
    question = None
    for event in events:
        if event["type"] == "info_requested":
            question = (event.get("data") or {}).get("message") or ""
        elif event["type"] == "customer_replied":
            question = None
    return question


def _refusals(view: dict[str, Any], locale: str) -> list[str]:
    found = [r for item in view["items"] for r in item["refusals"]] + list(view["refusals"])
    return list(dict.fromkeys(Refusal.model_validate(r).text(locale) for r in found))


def _duties(view: dict[str, Any]) -> dict[str, Any] | None:
    """Import duty and tax the customer will pay on a cross-border return, while it is still ahead of them;
    None when the merchant pays (or there is no estimate yet): then duties are not the customer's concern."""
    customs = view.get("customs")
    estimate = (customs or {}).get("estimate") or {}
    if not customs or customs["payer"] != "customer" or not estimate.get("duty"):
        return None
    if view["status"] in CLOSED or customs["status"] in ("cleared", "refused"):  # settled or never coming
        return None
    duty, tax = estimate["duty"], estimate["tax"]
    return {
        "total": {"amount": int(duty["amount"]) + int(tax["amount"]), "currency": duty["currency"]},
        "duty": duty,
        "tax": tax,
        "rate_on": estimate["fx"]["on"],
    }


async def status_context(session: SessionDep, case: ReturnCase, locale: str) -> dict[str, Any]:
    """Everything the status page shows, from the read model."""
    view = await case_view(session, case)
    order = await get_order(session, view["order_number"])
    titles = {li.line_id: li.title for li in order.lines} if order else {}
    status = view["status"]
    rating = await case_rating(session, case.id)
    return {
        "case": view,
        "status_text": status_text(status, view["resolution"]),
        "titles": titles,
        "timeline": list(reversed(timeline(view["timeline"]))),
        "deadlines": view["deadlines"],
        "label": _label_shipment(view),
        "photos": await photos.list_photos(session, case.id, purpose="request"),  # theirs, not the inspection's
        "question": None if status in CLOSED else _awaiting_reply(view["timeline"]),
        "can_cancel": status in CANCELLABLE
        and not any(
            s["status"] not in ("label_created", "voided") for s in view["shipments"] if s["direction"] == "return"
        ),
        "can_rate": status in CLOSED and rating is None,
        "rating": rating,
        "complaints": await case_complaints(session, case.id),
        "complaint_kinds": COMPLAINT_KINDS,
        "refusals": _refusals(view, locale) if status == "rejected" else [],
        "duties": _duties(view),
        **_goods(view),
    }


def _answered(events: list[dict[str, Any]]) -> bool:
    """The customer chose since the latest out-of-stock notice (the exchange row follows a moment later)."""
    answered = False
    for event in events:
        if event["type"] == "exchange.out_of_stock":
            answered = False
        elif event["type"] == "exchange.customer_chose":
            answered = True
    return answered


def _goods(view: dict[str, Any]) -> dict[str, Any]:
    """The new item of an exchange or replacement, or the repair, with where it stands and what the customer
    is asked to choose now (wait or refund when out of stock; accept or decline a repair quote)."""
    exchange = view["exchanges"][0] if view.get("exchanges") else None
    repair = view.get("repair")
    return {
        "exchange": exchange,
        "exchange_state": goods_state("exchange", exchange["status"]) if exchange else None,
        "repair": repair,
        "repair_state": goods_state("repair", repair["status"]) if repair else None,
        "can_choose": bool(exchange and exchange["status"] == "out_of_stock") and not _answered(view["timeline"]),
        "can_answer_quote": bool(repair and repair["status"] == "quoted"),
    }


async def render_status(
    request: Request, resources: ResourcesDep, session: SessionDep, case: ReturnCase, form: Form | None = None
) -> Response:
    locale = i18n.choose(request, case.locale)
    i18n.activate(locale)  # the status and timeline texts are translated while the context is built
    context = await status_context(session, case, locale)
    if form is not None:
        context.update(values=form.values, errors=form.errors)
    return resources.pages.render(request, "portal/case.html", context, status_code=422 if form else 200, locale=locale)


@router.get("/returns/{number}")
async def status_page(request: Request, case: CustomerCase, resources: ResourcesDep, session: SessionDep) -> Response:
    """Where the return is, with its timeline, deadlines and label; only for the browser holding its token."""
    return await render_status(request, resources, session, case)


@router.get("/returns/{number}/label.pdf")
async def label_pdf(case: CustomerCase, resources: ResourcesDep, session: SessionDep) -> Response:
    """The printable return label, fetched from the carrier and served from our own site."""
    label = _label_shipment(await case_view(session, case, with_timeline=False))
    if label is None or resources.carrier is None:
        raise NotFound("Not Found", code="label_not_found")
    try:
        pdf = await resources.carrier.label_pdf(label["tracking_number"])
    except PartnerError:
        raise Unavailable("the carrier is not answering; please try again in a minute") from None
    disposition = f'inline; filename="return-label-{case.number}.pdf"'
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.get("/returns/{number}/qr.svg")
async def label_qr(case: CustomerCase, session: SessionDep) -> Response:
    """The QR code a drop-off point scans instead of a printed label (it carries the tracking number)."""
    label = _label_shipment(await case_view(session, case, with_timeline=False))
    if label is None:
        raise NotFound("Not Found", code="label_not_found")
    out = io.BytesIO()
    # make_qr, not make: a Micro QR (segno's pick for short texts) is one most scanners can't read.
    segno.make_qr(label["tracking_number"], error="m").save(out, kind="svg", scale=6, border=4, title="QR")
    return Response(out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})
