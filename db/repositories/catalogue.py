"""Queries about the product catalogue and the exchanges and repairs of cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Exchange, Product, Repair, ReturnCase


async def get_product(session: AsyncSession, sku: str) -> Product | None:
    return (await session.scalars(select(Product).where(Product.sku == sku))).one_or_none()


async def products_by_sku(session: AsyncSession, skus: list[str]) -> dict[str, Product]:
    if not skus:
        return {}
    return {p.sku: p for p in await session.scalars(select(Product).where(Product.sku.in_(skus)))}


async def variants(session: AsyncSession, product: str) -> list[Product]:
    """The active variants of one product, in SKU order."""
    stmt = select(Product).where(Product.product == product, Product.active).order_by(Product.sku)
    return list(await session.scalars(stmt))


async def exchange_of(session: AsyncSession, case_id: int, *, lock: bool = False) -> Exchange | None:
    stmt = select(Exchange).where(Exchange.case_id == case_id)
    return (await session.scalars(stmt.with_for_update() if lock else stmt)).one_or_none()


async def repair_of(session: AsyncSession, case_id: int, *, lock: bool = False) -> Repair | None:
    stmt = select(Repair).where(Repair.case_id == case_id)
    return (await session.scalars(stmt.with_for_update() if lock else stmt)).one_or_none()


async def case_for_repair(session: AsyncSession, centre_ref: str) -> str | None:
    """The case number of the repair the repair centre knows as `centre_ref`."""
    stmt = (
        select(ReturnCase.number).join(Repair, Repair.case_id == ReturnCase.id).where(Repair.centre_ref == centre_ref)
    )
    return (await session.scalars(stmt)).one_or_none()
