"""/admin/webhooks: the merchant's webhook endpoints for admins (register, rotate the secret, switch back on)
and each endpoint's delivery log with resend; every change audited, secrets shown once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ResourcesDep, RowId, SessionDep, Staff
from api.resources import Resources
from api.web.forms import Form, read_form
from api.web.i18n import N_, gettext
from api.web.pages import flash
from api.web.workspace.common import Admin, who
from domain.errors import Conflict, DomainError, NotFound
from services import audit
from services import webhook_endpoints as endpoints
from services.outbox import EVENT_TYPES

router = APIRouter(include_in_schema=False)


async def _list_page(
    request: Request, resources: Resources, session: AsyncSession, staff: Staff, *, form: Form | None = None,
    secret: str | None = None,
) -> Response:  # fmt: skip
    context: dict[str, Any] = {
        "staff": staff,
        "endpoints": await endpoints.listing(session),
        "event_types": EVENT_TYPES,
        "secret": secret,
        "errors": form.errors if form else {},
        "values": form.values if form else {"events": "*"},
    }
    await session.commit()
    return resources.pages.render(request, "admin_webhooks.html", context, status_code=422 if form else 200)


async def _endpoint_page(
    request: Request, resources: Resources, session: AsyncSession, staff: Staff, endpoint_id: int, *,
    form: Form | None = None, secret: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    endpoint = await endpoints.get(session, endpoint_id)
    context: dict[str, Any] = {
        "staff": staff,
        "endpoint": endpoints.endpoint_json(endpoint),
        "previous_valid_until": endpoint.previous_valid_until,
        "deliveries": await endpoints.delivery_log(session, endpoint_id),
        "secret": secret,
        "errors": form.errors if form else {},
    }
    await session.commit()
    return resources.pages.render(request, "admin_webhook.html", context, status_code=status)


@router.get("/admin/webhooks")
async def webhooks_page(request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep) -> Response:
    """The registered endpoints, what each hears, whether it is switched on; a form to add one."""
    return await _list_page(request, resources, session, staff)


@router.post("/admin/webhooks")
async def register(request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep) -> Response:
    """Register an endpoint; its signing secret is on the answering page only."""
    form = await read_form(request)
    url = str(form.values.get("url", "")).strip()
    events = [e for e in form.data.getlist("events") if isinstance(e, str)]
    description = str(form.values.get("description", "")).strip() or None
    if not url:
        form.error("url", N_("Please fill in this field."))
    else:
        try:  # checked here too, so every field's problem shows at once
            endpoints.check_url(url, resources.settings)
        except DomainError as bad:
            form.errors.setdefault("url", bad.detail)
    if not events:
        form.error("events", N_("Choose at least one event, or all of them."))
    if form.ok:
        try:
            endpoint = await endpoints.register(
                session, resources.settings, url=url, events=events, description=description, by=staff.username
            )
        except DomainError as bad:
            await session.rollback()
            for field in bad.fields or {"url": ""}:
                form.errors.setdefault(field, bad.detail)
    if not form.ok:
        return await _list_page(request, resources, session, staff, form=form)
    await audit.record(session, who(request, staff), "webhook_endpoint.create", target=url, after={"events": events})
    secret = endpoint.secret
    await session.commit()
    return await _list_page(request, resources, session, staff, secret=secret)


@router.get("/admin/webhooks/{endpoint_id}")
async def endpoint_page(
    endpoint_id: RowId, request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep
) -> Response:
    """One endpoint's delivery log: each event, every attempt's answer and latency, and a resend button."""
    return await _endpoint_page(request, resources, session, staff, endpoint_id)


@router.post("/admin/webhooks/{endpoint_id}/rotate")
async def rotate(
    endpoint_id: RowId, request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep
) -> Response:
    """A new signing secret (shown once); the old one keeps signing during the overlap."""
    form = await read_form(request)
    if not form.ok:
        return await _endpoint_page(request, resources, session, staff, endpoint_id, form=form, status=422)
    endpoint = await endpoints.rotate(session, resources.settings, endpoint_id, now=datetime.now(UTC))
    await audit.record(session, who(request, staff), "webhook_endpoint.rotate_secret", target=endpoint.url)
    secret = endpoint.secret
    await session.commit()
    return await _endpoint_page(request, resources, session, staff, endpoint_id, secret=secret)


@router.post("/admin/webhooks/{endpoint_id}/enable")
async def enable(
    endpoint_id: RowId, request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep
) -> Response:
    """Switch an endpoint back on once its receiver is fixed."""
    form = await read_form(request)
    if not form.ok:
        return await _endpoint_page(request, resources, session, staff, endpoint_id, form=form, status=422)
    endpoint = await endpoints.enable(session, endpoint_id)
    await audit.record(session, who(request, staff), "webhook_endpoint.enable", target=endpoint.url)
    await session.commit()
    flash(request, gettext("The endpoint is switched on again."))
    return RedirectResponse(f"/admin/webhooks/{endpoint_id}", status_code=303)


@router.post("/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/resend")
async def resend(
    endpoint_id: RowId, delivery_id: RowId, request: Request, staff: Admin, session: SessionDep,
    resources: ResourcesDep,
) -> Response:  # fmt: skip
    """Send a delivery again with the same webhook-id (refused while it is still being attempted)."""
    form = await read_form(request)
    if form.ok:
        try:
            delivery = await endpoints.resend(session, delivery_id)
        except Conflict as busy:
            await session.rollback()
            form.error("form", busy.detail)
        else:
            if delivery.endpoint_id != endpoint_id:
                raise NotFound(f"no webhook delivery {delivery_id} for this endpoint", code="delivery_not_found")
    if not form.ok:
        return await _endpoint_page(request, resources, session, staff, endpoint_id, form=form, status=409)
    await audit.record(session, who(request, staff), "webhook_delivery.resend", target=str(delivery_id))
    await session.commit()
    flash(request, gettext("The delivery is sent again."))
    return RedirectResponse(f"/admin/webhooks/{endpoint_id}", status_code=303)
