"""Admin use cases: create and deactivate staff accounts, create and revoke integration keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey, StaffUser
from db.repositories.access import get_staff_user
from db.repositories.staff_admin import get_key
from domain.errors import Conflict, InvalidInput, NotFound
from services.access import create_api_key, create_staff_user


async def add_staff(session: AsyncSession, username: str, password: str, role: str) -> StaffUser:
    """A new account; an existing username is refused (never silently reset)."""
    if not username or len(username) > 64 or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidInput("use letters, digits, '.', '-' or '_' (at most 64)", fields={"username": "invalid"})
    if await get_staff_user(session, username) is not None:
        raise Conflict(f"there is already a staff user '{username}'", code="staff_exists", fields={"username": "taken"})
    return await create_staff_user(session, username, password, role)


async def set_active(session: AsyncSession, username: str, active: bool, *, by: str) -> StaffUser:
    """Deactivate (signs them out at their next page) or reactivate an account; never one's own."""
    user = await get_staff_user(session, username)
    if user is None:
        raise NotFound(f"no staff user {username}", code="staff_not_found")
    if username == by and not active:
        raise Conflict("you cannot deactivate your own account", code="own_account")
    user.active = active
    await session.flush()
    return user


async def add_key(session: AsyncSession, name: str, scopes: list[str]) -> str:
    """A new integration key; the raw key is returned once and only its hash is kept."""
    if not name.strip():
        raise InvalidInput("name the key after the system that will use it", fields={"key_name": "empty"})
    if not scopes:
        raise InvalidInput("choose at least one scope", fields={"scopes": "empty"})
    return await create_api_key(session, name.strip()[:100], scopes)


async def revoke_key(session: AsyncSession, key_id: int, now: datetime) -> ApiKey:
    key = await get_key(session, key_id)
    if key is None:
        raise NotFound("no such API key", code="api_key_not_found")
    if key.revoked_at is None:
        key.revoked_at = now
        await session.flush()
    return key
