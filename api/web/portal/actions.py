"""What a customer can do on their case: cancel before pickup, answer a question, complain, rate the return.
State changes go through the case's workflow (updates); complaints and ratings are the customer's own rows."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.case_actions import act
from api.deps import ResourcesDep, SessionDep, TemporalDep
from api.web import i18n
from api.web.forms import Form, read_form
from api.web.i18n import N_
from api.web.pages import flash
from api.web.portal.access import CustomerCase
from api.web.portal.status import render_status
from db.models import ReturnCase
from db.models.feedback import COMPLAINT_KINDS
from domain.errors import DomainError
from services import feedback
from workflows.contracts import Action, ComplaintNote, ExchangeChoice, Note, QuoteAnswer

router = APIRouter(include_in_schema=False)
MAX_TEXT = 4000
NOT_NOW = N_("This can't be done on your return any more. The page shows where it is now.")
REFUND_CHOSEN = N_("Thank you: you will get a refund instead of the new item.")


def _back(case: ReturnCase) -> RedirectResponse:
    return RedirectResponse(f"/returns/{case.number}", status_code=303)


async def _form(request: Request, case: ReturnCase) -> Form:
    i18n.activate(i18n.choose(request, case.locale))
    return await read_form(request)


async def _update(
    request: Request, temporal: Client, session: AsyncSession, case: ReturnCase, update: tuple[str, Any], done: str
) -> Response:
    """Run a workflow update for the customer; either way, back to the status page with a one-line result."""
    back = _back(case)
    try:
        await act(temporal, session, case.number, *update)
        flash(request, i18n.gettext(done))
    except DomainError:  # the workflow refused (e.g. the parcel is already with the carrier)
        flash(request, i18n.gettext(NOT_NOW))
    return back


def _text(form: Form, name: str) -> str:
    text = str(form.values.get(name, "")).strip()
    if not text:
        form.error(name, N_("Please fill in this field."))
    elif len(text) > MAX_TEXT:
        form.error(name, N_("This is too long."))
    return text


@router.post("/returns/{number}/cancel")
async def cancel(
    request: Request, case: CustomerCase, resources: ResourcesDep, session: SessionDep, temporal: TemporalDep
) -> Response:
    """Cancel the return before the carrier has the parcel (the workflow voids the unused label)."""
    form = await _form(request, case)
    if not form.ok:
        return await render_status(request, resources, session, case, form)
    action = Action(actor="customer", reason="customer_cancelled")
    return await _update(request, temporal, session, case, ("cancel", action), N_("Your return is cancelled."))


@router.post("/returns/{number}/reply")
async def reply(
    request: Request, case: CustomerCase, resources: ResourcesDep, session: SessionDep, temporal: TemporalDep
) -> Response:
    """Answer the question our team asked; the answer lands on the case's timeline for the agent."""
    form = await _form(request, case)
    message = _text(form, "reply")
    if not form.ok:
        return await render_status(request, resources, session, case, form)
    note = Note(actor="customer", text=message)
    return await _update(
        request, temporal, session, case, ("customer_reply", note), N_("Thank you: we have your answer.")
    )


@router.post("/returns/{number}/complaint")
async def complaint(
    request: Request, case: CustomerCase, resources: ResourcesDep, session: SessionDep, temporal: TemporalDep
) -> Response:
    """Raise a complaint (late refund, damaged replacement, courier, other), answered within the complaint SLA."""
    form = await _form(request, case)
    kind = str(form.values.get("kind", ""))
    if kind not in COMPLAINT_KINDS:
        form.error("kind", N_("Please choose one of the options."))
    message = _text(form, "message")
    if not form.ok:
        return await render_status(request, resources, session, case, form)
    raised = await feedback.raise_complaint(session, case, kind, message, now=datetime.now(UTC))
    await session.commit()
    # The complaint is stored; its timeline entry follows while the case's workflow is still running.
    with contextlib.suppress(DomainError):
        await act(temporal, session, case.number, "complaint", ComplaintNote(complaint_id=raised.id, kind=kind))
    flash(request, i18n.gettext(N_("Thank you: we have your complaint and will answer it by the date shown.")))
    return _back(case)


@router.post("/returns/{number}/rating")
async def rating(request: Request, case: CustomerCase, resources: ResourcesDep, session: SessionDep) -> Response:
    """Rate the closed return from 1 to 5 (once); the ratings feed the supervisors' insights."""
    form = await _form(request, case)
    score = str(form.values.get("score", ""))
    if score not in {"1", "2", "3", "4", "5"}:
        form.error("score", N_("Please choose one of the options."))
    if not form.ok:
        return await render_status(request, resources, session, case, form)
    back = _back(case)  # before a rollback expires the case row
    try:
        await feedback.rate(session, case, int(score), str(form.values.get("comment", ""))[:MAX_TEXT])
        await session.commit()
        flash(request, i18n.gettext(N_("Thank you for rating your return.")))
    except (DomainError, IntegrityError):  # not closed yet, or rated already (perhaps in another tab)
        await session.rollback()
        flash(request, i18n.gettext(NOT_NOW))
    return back


@router.post("/returns/{number}/exchange-choice")
async def exchange_choice(
    request: Request, case: CustomerCase, resources: ResourcesDep, session: SessionDep, temporal: TemporalDep
) -> Response:
    """The new item is out of stock: wait for it to come back, or take a refund instead."""
    form = await _form(request, case)
    choice = str(form.values.get("choice", ""))
    if choice not in ("wait", "refund"):
        form.error("choice", N_("Please choose one of the options."))
    if not form.ok:
        return await render_status(request, resources, session, case, form)
    done = N_("Thank you: we will send your item as soon as it is back.") if choice == "wait" else REFUND_CHOSEN
    update = ("exchange_choice", ExchangeChoice(actor="customer", choice=choice))
    return await _update(request, temporal, session, case, update, done)


@router.post("/returns/{number}/repair-quote")
async def repair_quote(
    request: Request, case: CustomerCase, resources: ResourcesDep, session: SessionDep, temporal: TemporalDep
) -> Response:
    """Accept the repair quote (charged to the card the order was paid with) or decline it (the item comes back
    as it was)."""
    form = await _form(request, case)
    answer = str(form.values.get("answer", ""))
    if answer not in ("accept", "decline"):
        form.error("answer", N_("Please choose one of the options."))
    if not form.ok:
        return await render_status(request, resources, session, case, form)
    accepted = answer == "accept"
    done = N_("Thank you: the repair goes ahead.") if accepted else N_("Understood: we send your item back as it is.")
    update = ("quote_answer", QuoteAnswer(actor="customer", accepted=accepted))
    return await _update(request, temporal, session, case, update, done)
