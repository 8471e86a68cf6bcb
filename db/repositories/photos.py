"""Queries about customer photos, complaints and ratings of a case."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CasePhoto, CaseRating, Complaint


async def case_photos(session: AsyncSession, case_id: int) -> list[CasePhoto]:
    stmt = select(CasePhoto).where(CasePhoto.case_id == case_id).order_by(CasePhoto.id)
    return list(await session.scalars(stmt))


async def case_photo(session: AsyncSession, case_id: int, photo_id: int) -> CasePhoto | None:
    stmt = select(CasePhoto).where(CasePhoto.case_id == case_id, CasePhoto.id == photo_id)
    return (await session.scalars(stmt)).one_or_none()


async def case_rating(session: AsyncSession, case_id: int) -> CaseRating | None:
    return (await session.scalars(select(CaseRating).where(CaseRating.case_id == case_id))).one_or_none()


async def case_complaints(session: AsyncSession, case_id: int) -> list[Complaint]:
    stmt = select(Complaint).where(Complaint.case_id == case_id).order_by(Complaint.id)
    return list(await session.scalars(stmt))
