"""Customs activities: prepare and classify the declaration, file it with the broker, answer holds, and record
the broker's decision with its ledger movements."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.settings import Settings
from integrations.customs import CustomsBroker
from integrations.errors import PermanentPartnerError
from services import customs
from workflows.contracts import CustomsCall, CustomsCheck, LedgerTxn, customs_workflow_id


class CustomsActivities:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], broker: CustomsBroker, settings: Settings
    ) -> None:
        self.sessionmaker, self.broker, self.settings = sessionmaker, broker, settings

    @activity.defn(name="customs.prepare")
    async def prepare(self, call: CustomsCall) -> CustomsCheck:
        """Build the declaration from the order (again, with an agent's codes when given) and estimate duties."""
        async with self.sessionmaker() as session:
            today = datetime.now(UTC).date()
            check = await customs.prepare(session, call.case_number, self.settings, today=today, classified=call.codes)
            await session.commit()
        return check

    @activity.defn(name="customs.submit")
    async def submit(self, call: CustomsCall) -> str:
        """File the declaration with the broker once per case; returns the broker's declaration id."""
        async with self.sessionmaker() as session:
            payload = await customs.broker_payload(session, call.case_number)
        try:
            filed = await self.broker.submit(idempotency_key=customs_workflow_id(call.case_number), declaration=payload)
        except PermanentPartnerError as err:
            raise ApplicationError(f"broker refused the filing: {err.code}", non_retryable=True) from err
        async with self.sessionmaker() as session:
            await customs.mark(session, call.case_number, "submitted", broker_ref=filed.id)
            await session.commit()
        return filed.id

    @activity.defn(name="customs.send_documents")
    async def send_documents(self, call: CustomsCall) -> None:
        """Answer the broker's hold with the agent's documents (once per answer key)."""
        assert call.declaration_id and call.key and call.note
        try:
            await self.broker.send_documents(call.declaration_id, idempotency_key=call.key, note=call.note)
        except PermanentPartnerError as err:
            if err.code != "not_held":  # a retry after the broker already took them
                raise ApplicationError(f"broker refused the documents: {err.code}", non_retryable=True) from err
        async with self.sessionmaker() as session:
            await customs.mark(session, call.case_number, "submitted", note=call.note)
            await session.commit()

    @activity.defn(name="customs.record_decision")
    async def record_decision(self, call: CustomsCall) -> list[LedgerTxn]:
        """Store the broker's decision; on clearance, the duty paid and any drawback claim as ledger movements."""
        assert call.outcome
        async with self.sessionmaker() as session:
            await customs.mark(session, call.case_number, call.outcome, note=call.note)
            txns: list[LedgerTxn] = []
            if call.outcome == "cleared":
                txns = await customs.clearance_ledger(
                    session, call.case_number, self.settings, today=datetime.now(UTC).date()
                )
            await session.commit()
        return txns
