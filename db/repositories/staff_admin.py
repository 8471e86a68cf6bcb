"""Queries for the admin page: staff accounts and integration keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey, StaffUser


async def all_staff(session: AsyncSession) -> Sequence[StaffUser]:
    return (await session.scalars(select(StaffUser).order_by(StaffUser.username))).all()


async def all_keys(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc()))).all()


async def get_key(session: AsyncSession, key_id: int) -> ApiKey | None:
    return await session.get(ApiKey, key_id)
