"""Staff pages' sign-in state: kept in the signed session cookie, checked against the account on every request."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.requests import Request

from api.deps import SessionDep, SettingsDep, Staff
from db.repositories.access import get_staff_user
from domain.errors import Forbidden, Unauthorized

HOME_BY_ROLE = {"agent": "/workspace", "supervisor": "/workspace", "admin": "/workspace", "finance": "/finance"}


def sign_in(request: Request, username: str, role: str) -> None:
    """A fresh session for the signed-in user (nothing carried over from before: no session fixation)."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update({"staff": {"u": username, "r": role, "t": int(time.time())}})
    if lang:
        request.session["lang"] = lang


def sign_out(request: Request) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


def staff_page(*roles: str) -> Callable[..., Coroutine[Any, Any, Staff]]:
    """Dependency for staff pages: the signed-in member holding one of `roles` (admin always may).
    No sign-in sends the browser to the sign-in page; the wrong role gets a page saying so."""

    async def dependency(request: Request, session: SessionDep, settings: SettingsDep) -> Staff:
        kept = request.session.get("staff")
        if not isinstance(kept, dict) or int(time.time()) - int(kept.get("t", 0)) > settings.session_max_age_s:
            raise Unauthorized("please sign in", code="sign_in_required")
        user = await get_staff_user(session, str(kept.get("u", "")))
        if user is None or not user.active:
            sign_out(request)
            raise Unauthorized("please sign in", code="sign_in_required")
        if roles and user.role not in roles and user.role != "admin":
            raise Forbidden(f"the {user.role} role cannot open this page", code="role_forbidden")
        request.state.staff = Staff(user.username, user.role)
        return Staff(user.username, user.role)

    return dependency
