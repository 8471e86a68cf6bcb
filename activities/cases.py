"""Case activities: the projection writes that make the workflow's decisions visible in SQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core import metrics
from domain.errors import DomainError
from services.projection import apply_event, refund_wait
from services.return_ledger import booked_with
from workflows.contracts import CaseEventIn, RecordResult


class CaseActivities:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], supervisors: str) -> None:
        self.sessionmaker = sessionmaker
        self.supervisors = supervisors  # the address told of SLA breaches

    @activity.defn(name="cases.record_event")
    async def record_event(self, event: CaseEventIn) -> RecordResult:
        """Write status + timeline event + ledger entries in one transaction; a repeat is a no-op."""
        async with self.sessionmaker() as session:
            try:
                event = await booked_with(session, event)  # postage, fees kept, goods recovered: same transaction
                applied = await apply_event(session, event, supervisors=self.supervisors)
            except DomainError as exc:
                raise ApplicationError(exc.detail, type=exc.code, non_retryable=True) from exc
            waited = await refund_wait(session, event) if applied else None
            await session.commit()
        if applied:
            activity.logger.info("recorded %s (event %d)", event.type, event.seq, extra={"case": event.case_number})
        if waited is not None:
            metrics.record_refund_latency(waited.total_seconds())
        return RecordResult(applied=applied)
