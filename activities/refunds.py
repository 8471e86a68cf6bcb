"""Refund activities that touch only our own records."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.errors import DomainError
from services.refunds import reserve_refund
from workflows.contracts import RefundPlan, ReserveIn


class RefundActivities:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    @activity.defn(name="refunds.reserve")
    async def reserve(self, request: ReserveIn) -> RefundPlan:
        """Work out refund n and record its parts as pending, under the order's per-tender caps."""
        async with self.sessionmaker() as session:
            try:
                plan = await reserve_refund(session, request.case_number, request.n, request.grades)
            except DomainError as exc:  # a rule says no: retrying cannot change that
                raise ApplicationError(exc.detail, type=exc.code, non_retryable=True) from exc
            await session.commit()
        return plan
