"""Queries about staff users and API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey, StaffUser


async def get_api_key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    stmt = select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    return (await session.scalars(stmt)).one_or_none()


async def get_staff_user(session: AsyncSession, username: str) -> StaffUser | None:
    return (await session.scalars(select(StaffUser).where(StaffUser.username == username))).one_or_none()
