"""Steps 2-4 of filing a return: choose items, see the eligibility answer and refund estimate, confirm.
The request travels in the form's fields between steps (re-checked on the server each time); confirming
opens the case through the same services as the JSON API, once per form, whatever the number of clicks."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError

from api.case_filing import open_return, start_workflow
from api.deps import ResourcesDep, SessionDep, TemporalDep
from api.limits import TooManyAttempts, check_rate, with_retry_after
from api.web import i18n
from api.web.forms import CSRF_MESSAGE, Form, read_form
from api.web.i18n import N_
from api.web.pages import flash
from api.web.portal.access import remember_case
from api.web.portal.find import TOO_MANY, filing_order
from api.web.portal.items import RESOLUTIONS, LineRow, Swap, chosen, line_rows, read_items
from api.web.portal.photos import read_photos
from api.web.portal.texts import decision_notes, refusal_errors, request_refused
from db.models import Order
from domain.errors import DomainError
from domain.reasons import Reason
from services import idempotency, photos
from services.cases import Checked, check_eligibility
from services.catalogue import exchange_options, price_in
from services.order_facts import order_facts
from services.return_input import ReturnInput

router = APIRouter(include_in_schema=False)
FilingOrder = Annotated[Order, Depends(filing_order)]
SCOPE = "portal.create"
DIGEST = "portal-form"  # one form token is one request, whatever its fields say
Step = tuple[list[LineRow], ReturnInput | None, Checked | None]


async def _rows(session: SessionDep, order: Order) -> list[LineRow]:
    """The order's lines as the form shows them, each with the variants it may be exchanged for."""
    swaps: dict[str, list[Swap]] = {}
    for li in order.lines:
        options = await exchange_options(session, li.sku, order.currency)
        swaps[li.line_id] = [
            Swap(p.sku, p.variant or p.title, price) for p in options if (price := price_in(p, order.currency))
        ]
    return line_rows(order, await order_facts(session, order), swaps)


def _activate(request: Request, order: Order) -> None:
    # Form messages are translated as they are recorded, so the page's language is chosen first.
    i18n.activate(i18n.choose(request, order.customer.locale))


async def _items_page(
    request: Request, resources: ResourcesDep, order: Order, rows: list[LineRow], form: Form | None = None
) -> Response:
    context: dict[str, Any] = {
        "order": order,
        "rows": rows,
        "reasons": [r.value for r in Reason],
        "resolutions": RESOLUTIONS,
        "values": form.values if form else {"resolution": "refund"},
        "errors": form.errors if form else {},
    }
    status = 422 if form else 200
    return resources.pages.render(request, "portal/items.html", context, status_code=status, locale=i18n.current())


def _review_page(
    request: Request, resources: ResourcesDep, order: Order, step: Step, form: Form | None = None
) -> Response:
    rows, data, checked = step
    assert data is not None and checked is not None
    elig = checked.eligibility
    context: dict[str, Any] = {
        "order": order,
        "items": chosen(rows, data),
        "resolution": data.resolution,
        "swaps": {e.line_id: e.sku for e in data.exchange_items or []},
        "exchange": checked.exchange,
        "estimate": elig.refund_estimate,
        "decision": elig.decision.value,
        "notes": decision_notes(elig, i18n.current()),
        "postage_payer": elig.postage_payer.value if elig.postage_payer else None,
        "ship_by_days": checked.market.sla.ship_by_days,
        "form_token": (form.values.get("form_token") if form else None) or secrets.token_urlsafe(24),
        "max_photos": resources.settings.max_photos,
        "errors": form.errors if form else {},
    }
    status = 422 if form else 200
    return resources.pages.render(request, "portal/review.html", context, status_code=status, locale=i18n.current())


async def _check(resources: ResourcesDep, session: SessionDep, order: Order, form: Form) -> Step:
    """The request and the policy's answer; the answer is None when an item or field needs fixing."""
    rows = await _rows(session, order)
    data = read_items(form, rows, order.number, order.customer.email)
    if data is None:
        return rows, None, None
    try:
        checked = await check_eligibility(session, data, resources.policy, now=datetime.now(UTC))
    except DomainError as refused:
        request_refused(form, rows, data, refused)
        return rows, data, None
    if not refusal_errors(form, rows, data, checked.eligibility, i18n.current()):
        return rows, data, None
    return rows, data, checked


@router.get("/returns/new")
async def items_page(request: Request, resources: ResourcesDep, order: FilingOrder, session: SessionDep) -> Response:
    """Step 2: the order's lines, each with a quantity, a reason and a comment; the resolution wanted."""
    _activate(request, order)
    return await _items_page(request, resources, order, await _rows(session, order))


@router.post("/returns/check")
async def check(request: Request, resources: ResourcesDep, session: SessionDep, order: FilingOrder) -> Response:
    """Step 3: whether each item may come back (and in plain words why not), and the refund estimate."""
    _activate(request, order)
    form = await read_form(request)
    step = await _check(resources, session, order, form)
    if step[2] is None:
        return await _items_page(request, resources, order, step[0], form)
    return _review_page(request, resources, order, step, form if not form.ok else None)


def _opened(request: Request, answer: dict[str, Any]) -> Response:
    # The order stays found: a repeated post finds it, and the customer may return more from it.
    remember_case(request, str(answer["number"]), str(answer["customer_token"]))
    return RedirectResponse(f"/returns/{answer['number']}", status_code=303)


@router.post("/returns/confirm")
async def confirm(
    request: Request, resources: ResourcesDep, session: SessionDep, temporal: TemporalDep, order: FilingOrder
) -> Response:
    """Step 4: open the case (with its photos) and start its workflow; a repeated post shows the same case."""
    _activate(request, order)
    settings = resources.settings
    form = await read_form(request, max_files=settings.max_photos + 5)
    token = str(form.values.get("form_token", ""))
    if form.ok and not 16 <= len(token) <= 200:
        form.error("form", CSRF_MESSAGE)
    if form.ok and (done := await idempotency.replay(session, SCOPE, token, DIGEST)):
        return _opened(request, done[1])
    step = await _check(resources, session, order, form)
    if step[2] is None:
        return await _items_page(request, resources, order, step[0], form)
    try:  # checked after the replay above: the same form posted again is never refused
        check_rate(request, settings, create_ip=None, create_order=order.number)
    except TooManyAttempts as refused:
        form.error("form", TOO_MANY)
        return with_retry_after(_review_page(request, resources, order, step, form), refused)
    cleaned = await read_photos(form, settings) if form.ok else []
    if not form.ok or cleaned is None:
        return _review_page(request, resources, order, step, form)
    assert step[1] is not None
    try:
        opened = await open_return(resources, session, step[1])
    except DomainError as refused:  # the order changed since the check (another return took the items)
        request_refused(form, step[0], step[1], refused)
        return await _items_page(request, resources, order, step[0], form)
    written = photos.store(session, settings.upload_dir, opened.case.id, cleaned, uploaded_by="customer")
    answer = {"number": opened.case.number, "customer_token": opened.customer_token}
    idempotency.remember(session, SCOPE, token, DIGEST, 201, answer)
    try:
        await session.commit()
    except IntegrityError:  # the same form, posted twice at once: the other post opened the case
        await session.rollback()
        photos.discard(written)
        done = await idempotency.replay(session, SCOPE, token, DIGEST)
        if done is None:
            raise
        return _opened(request, done[1])
    await start_workflow(resources, temporal, session, opened.case)  # only after the commit
    flash(request, i18n.gettext(N_("Thank you: your return is filed.")))
    return _opened(request, answer)


@router.get("/returns/check")
@router.get("/returns/confirm")
async def back_to_items(request: Request) -> Response:
    """The review is the answer to a post: a language switch (or a reload by address) starts from the items."""
    i18n.choose(request)  # keeps a ?lang= switch in the session
    return RedirectResponse("/returns/new", status_code=303)
