"""/api/v1/auth/token: staff sign in with username and password and get a bearer token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.deps import SessionDep, SettingsDep
from api.limits import check_rate
from services import tokens
from services.access import login

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


@router.post("/token")
async def token(request: Request, body: Credentials, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Exchange staff credentials for a bearer token (8 hours); five failures lock the account 15 minutes."""
    check_rate(request, settings, login_ip=None, login_user=body.username)  # 429 before the password is tried
    now = datetime.now(UTC)
    try:
        user = await login(session, body.username, body.password, now=now)
    finally:
        await session.commit()  # failure counters must persist even when the sign-in is refused
    access = tokens.issue(
        settings.session_secret.get_secret_value(), user.username, user.role, now=int(now.timestamp())
    )
    return {"access_token": access, "token_type": "bearer", "role": user.role}
