"""Staff sign-in and sign-out pages (cookie session; the JSON API uses bearer tokens instead)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import ResourcesDep, SessionDep
from api.limits import TooManyAttempts, check_rate, with_retry_after
from api.web import i18n
from api.web.forms import read_form
from api.web.i18n import N_
from api.web.staff import HOME_BY_ROLE, sign_in, sign_out
from domain.errors import RateLimited, Unauthorized
from services.access import login

router = APIRouter(include_in_schema=False)
WRONG = N_("The username or password is not right.")
LOCKED = N_("Too many failed sign-ins. Please wait 15 minutes and try again.")
TOO_MANY = N_("Too many attempts from here. Please wait a few minutes and try again.")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (never //host or a full URL): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/login")
async def login_page(request: Request, resources: ResourcesDep, next: str | None = None) -> Response:
    return resources.pages.render(request, "signin.html", {"values": {"next": _safe_next(next) or ""}})


@router.post("/login")
async def login_submit(request: Request, resources: ResourcesDep, session: SessionDep) -> Response:
    form = await read_form(request)
    values = form.values
    username, password = str(values.get("username", "")).strip(), str(values.get("password", ""))
    if not username:
        form.error("username", N_("Please fill in this field."))
    if not password:
        form.error("password", N_("Please fill in this field."))
    status, refused = 422, None
    if form.ok:
        try:
            check_rate(request, resources.settings, i18n.gettext(TOO_MANY), login_ip=None, login_user=username)
        except TooManyAttempts as too_many:
            form.error("form", TOO_MANY)
            status, refused = 429, too_many
    if form.ok:
        try:
            user = await login(session, username, password, now=datetime.now(UTC))
        except RateLimited:
            form.error("form", LOCKED)
            status = 429
        except Unauthorized:
            form.error("form", WRONG)
        finally:
            await session.commit()  # failure counters persist even when the sign-in is refused
    if not form.ok:
        values.pop("password", None)  # never echo a password back into the page
        context = {"values": values, "errors": form.errors}
        page = resources.pages.render(request, "signin.html", context, status_code=status)
        return with_retry_after(page, refused) if refused else page
    sign_in(request, user.username, user.role)
    return RedirectResponse(_safe_next(str(values.get("next", ""))) or HOME_BY_ROLE[user.role], status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await read_form(request)
    if form.ok:
        sign_out(request)
    return RedirectResponse("/login", status_code=303)
