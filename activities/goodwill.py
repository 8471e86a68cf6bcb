"""Goodwill activities: reserving an agent's compensation against the order's captured money."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.errors import DomainError
from services.goodwill import reserve_goodwill
from workflows.contracts import GoodwillIn, RefundPlan


class GoodwillActivities:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    @activity.defn(name="refunds.reserve_goodwill")
    async def reserve(self, wanted: GoodwillIn) -> RefundPlan:
        """Record goodwill refund n as pending parts per tender, or refuse when the order has too little left."""
        async with self.sessionmaker() as session:
            try:
                plan = await reserve_goodwill(session, wanted)
            except DomainError as exc:  # over the cap: retrying cannot change that
                raise ApplicationError(exc.detail, type=exc.code, non_retryable=True) from exc
            await session.commit()
        return plan
