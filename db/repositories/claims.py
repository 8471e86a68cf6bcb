"""Queries for insurance claims and the evidence they carry."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CasePhoto, InsuranceClaim, ReturnCase, Shipment


async def claim_for(session: AsyncSession, case_id: int, kind: str) -> InsuranceClaim | None:
    stmt = select(InsuranceClaim).where(InsuranceClaim.case_id == case_id, InsuranceClaim.kind == kind)
    return (await session.scalars(stmt)).one_or_none()


async def claims_of(session: AsyncSession, case_id: int) -> list[InsuranceClaim]:
    stmt = select(InsuranceClaim).where(InsuranceClaim.case_id == case_id).order_by(InsuranceClaim.id)
    return list(await session.scalars(stmt))


async def claim_by_insurer_ref(session: AsyncSession, insurer_ref: str) -> tuple[InsuranceClaim, str] | None:
    """The claim the insurer knows by `insurer_ref`, with its case number."""
    row = (
        await session.execute(
            select(InsuranceClaim, ReturnCase.number)
            .join(ReturnCase, ReturnCase.id == InsuranceClaim.case_id)
            .where(InsuranceClaim.insurer_ref == insurer_ref)
        )
    ).one_or_none()
    return (row[0], row[1]) if row else None


async def return_shipments(session: AsyncSession, case_id: int) -> list[Shipment]:
    stmt = select(Shipment).where(Shipment.case_id == case_id, Shipment.direction == "return").order_by(Shipment.id)
    return list(await session.scalars(stmt))


async def photo_ids(session: AsyncSession, case_id: int) -> list[int]:
    return list(await session.scalars(select(CasePhoto.id).where(CasePhoto.case_id == case_id).order_by(CasePhoto.id)))
