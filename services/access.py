"""Integration API keys and staff accounts: creation and verification."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey, StaffUser
from db.repositories.access import get_api_key_by_hash, get_staff_user
from domain.errors import Forbidden, InvalidInput, RateLimited, Unauthorized

SCOPES = ("orders:write", "orders:read", "returns:write", "returns:read", "webhooks")
ROLES = ("agent", "supervisor", "finance", "admin")
_hasher = PasswordHasher()  # argon2id with the library's current defaults


@dataclass(frozen=True)
class Integration:
    key_id: int
    name: str
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"this API key lacks the '{scope}' scope", code="missing_scope")


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def create_api_key(session: AsyncSession, name: str, scopes: list[str], raw: str | None = None) -> str:
    """Store a new key (only its hash) and return the raw key, which is shown once."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise InvalidInput(f"unknown scope(s): {', '.join(unknown)}", fields={"scopes": "unknown"})
    raw = raw or "rk_" + secrets.token_urlsafe(32)
    existing = await get_api_key_by_hash(session, _digest(raw))
    if existing is None:
        session.add(ApiKey(name=name, prefix=raw[:8], key_hash=_digest(raw), scopes=sorted(scopes)))
    else:
        existing.scopes = sorted(scopes)
    await session.flush()
    return raw


async def authenticate_key(session: AsyncSession, raw: str) -> Integration:
    key = await get_api_key_by_hash(session, _digest(raw))
    if key is None:
        raise Unauthorized("unknown or revoked API key", code="invalid_api_key")
    return Integration(key_id=key.id, name=key.name, scopes=frozenset(key.scopes))


async def create_staff_user(session: AsyncSession, username: str, password: str, role: str) -> StaffUser:
    """Create or reset a staff account (password stored as an argon2id hash)."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", fields={"role": "unknown role"})
    if len(password) < 8:
        raise InvalidInput("a password needs at least 8 characters", fields={"password": "too short"})
    user = await get_staff_user(session, username)
    if user is None:
        user = StaffUser(username=username, role=role, password_hash="")
        session.add(user)
    user.role = role
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    await session.flush()
    return user


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


async def login(session: AsyncSession, username: str, password: str, *, now: datetime) -> StaffUser:
    """Check a staff password; repeated failures lock the account for a while. Flushes the counters."""
    user = await get_staff_user(session, username)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60))
        raise RateLimited(f"too many failed sign-ins: try again in {minutes} minute(s)", code="account_locked")
    if user is None or not user.active or not verify_password(user.password_hash, password):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until, user.failed_logins = now + LOCKOUT, 0
            await session.flush()
        raise Unauthorized("wrong username or password", code="invalid_credentials")
    user.failed_logins, user.locked_until = 0, None
    await session.flush()
    return user
