"""/admin: staff accounts (roles, argon2id passwords, deactivation) and integration API keys; each change audited."""

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
from db.repositories.audit import recent_entries
from db.repositories.staff_admin import all_keys, all_staff
from domain.errors import DomainError
from services import audit
from services.access import ROLES, SCOPES
from services.staff_admin import add_key, add_staff, revoke_key, set_active

router = APIRouter(include_in_schema=False)


async def _page(
    request: Request, resources: Resources, session: AsyncSession, staff: Staff, *, form: Form | None = None,
    status: int = 200, new_key: str | None = None,
) -> Response:  # fmt: skip
    context: dict[str, Any] = {
        "staff": staff,
        "users": await all_staff(session),
        "keys": await all_keys(session),
        "audit": await recent_entries(session, limit=30),
        "roles": ROLES,
        "scopes": SCOPES,
        "new_key": new_key,
        "errors": form.errors if form else {},
        "values": {k: v for k, v in (form.values if form else {}).items() if k != "password"},
    }
    await session.commit()
    return resources.pages.render(request, "admin.html", context, status_code=status)


@router.get("/admin")
async def admin(request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep) -> Response:
    """Staff users, API keys and the latest audit entries."""
    return await _page(request, resources, session, staff)


@router.post("/admin/staff")
async def create_user(request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep) -> Response:
    """Create a staff account with a role; the password is stored only as an argon2id hash."""
    form = await read_form(request)
    username = str(form.values.get("username", "")).strip()
    password = str(form.values.get("password", ""))
    role = str(form.values.get("role", ""))
    for name, value in (("username", username), ("password", password)):
        if not value:
            form.error(name, N_("Please fill in this field."))
    if role not in ROLES:
        form.error("role", N_("Please choose one of the options."))
    if form.ok:
        try:
            await add_staff(session, username, password, role)
        except DomainError as bad:
            await session.rollback()
            for field in bad.fields or {"username": ""}:
                form.errors.setdefault(field, bad.detail)
    if not form.ok:
        return await _page(request, resources, session, staff, form=form, status=422)
    await audit.record(session, who(request, staff), "staff.create", target=username, after={"role": role})
    await session.commit()
    flash(request, gettext("The staff account is created."))
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/staff/{username}/active")
async def toggle_user(
    username: str, request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep
) -> Response:
    """Deactivate or reactivate an account (a deactivated user is signed out at their next page)."""
    form = await read_form(request)
    active = form.values.get("active") == "1"
    if form.ok:
        try:
            await set_active(session, username, active, by=staff.username)
        except DomainError as bad:
            await session.rollback()
            form.error("form", bad.detail)
    if not form.ok:
        return await _page(request, resources, session, staff, form=form, status=409)
    action = "staff.reactivate" if active else "staff.deactivate"
    await audit.record(session, who(request, staff), action, target=username, after={"active": active})
    await session.commit()
    flash(request, gettext("The staff account is updated."))
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/keys")
async def create_key(request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep) -> Response:
    """Create an integration key; the page shows the raw key this once."""
    form = await read_form(request)
    name = str(form.values.get("key_name", "")).strip()
    scopes = [s for s in form.data.getlist("scopes") if isinstance(s, str)]
    raw = None
    if form.ok:
        try:
            raw = await add_key(session, name, scopes)
        except DomainError as bad:
            await session.rollback()
            for field in bad.fields or {"key_name": ""}:
                form.errors.setdefault(field, bad.detail)
    if not form.ok or raw is None:
        return await _page(request, resources, session, staff, form=form, status=422)
    await audit.record(
        session, who(request, staff), "api_key.create", target=f"{name} ({raw[:8]})", after={"scopes": scopes}
    )
    await session.commit()
    return await _page(request, resources, session, staff, new_key=raw)


@router.post("/admin/keys/{key_id}/revoke")
async def revoke(
    key_id: RowId, request: Request, staff: Admin, session: SessionDep, resources: ResourcesDep
) -> Response:
    """Revoke a key: every later request with it is refused."""
    form = await read_form(request)
    if not form.ok:
        return await _page(request, resources, session, staff, form=form, status=422)
    key = await revoke_key(session, key_id, datetime.now(UTC))
    await audit.record(session, who(request, staff), "api_key.revoke", target=f"{key.name} ({key.prefix})")
    await session.commit()
    flash(request, gettext("The API key is revoked."))
    return RedirectResponse("/admin", status_code=303)
