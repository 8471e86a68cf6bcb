"""Insurance claim activities: open the claim, file it with the insurer, send an agent's evidence, and record
the insurer's answer with its ledger movements."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from integrations.errors import PermanentPartnerError
from integrations.insurer import Insurer
from services import claims
from workflows.contracts import ClaimCall, ClaimFiled, ClaimOpen, ClaimOutcome, ClaimPlan, claim_workflow_id


class ClaimActivities:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], insurer: Insurer) -> None:
        self.sessionmaker, self.insurer = sessionmaker, insurer

    @activity.defn(name="claims.open")
    async def open(self, wanted: ClaimOpen) -> ClaimPlan:
        """Write the claim when the order bought the cover and something is owed; otherwise say why not."""
        async with self.sessionmaker() as session:
            plan = await claims.open_claim(session, wanted)
            await session.commit()
        return plan

    @activity.defn(name="claims.submit")
    async def submit(self, call: ClaimCall) -> ClaimFiled:
        """File the claim with the insurer once per case and kind; returns its id and the receivable to book."""
        async with self.sessionmaker() as session:
            payload = await claims.insurer_payload(session, call.case_number, call.kind)
        try:
            filed = await self.insurer.file(
                idempotency_key=claim_workflow_id(call.case_number, call.kind), claim=payload
            )
        except PermanentPartnerError as err:
            raise ApplicationError(f"insurer refused the claim: {err.code}", non_retryable=True) from err
        async with self.sessionmaker() as session:
            ledger = await claims.submitted(session, call.case_number, call.kind, filed.id)
            await session.commit()
        return ClaimFiled(insurer_id=filed.id, ledger=ledger)

    @activity.defn(name="claims.send_evidence")
    async def send_evidence(self, call: ClaimCall) -> None:
        """Send the agent's evidence to the insurer (once per answer key); the claim is examined again."""
        assert call.key and call.note
        async with self.sessionmaker() as session:
            insurer_ref = await claims.insurer_ref(session, call.case_number, call.kind)
        try:
            await self.insurer.send_evidence(insurer_ref, idempotency_key=call.key, note=call.note)
        except PermanentPartnerError as err:
            if err.code != "not_waiting":  # a retry after the insurer already took it
                raise ApplicationError(f"insurer refused the evidence: {err.code}", non_retryable=True) from err
        async with self.sessionmaker() as session:
            await claims.evidence_sent(session, call.case_number, call.kind, call.note)
            await session.commit()

    @activity.defn(name="claims.record_decision")
    async def record_decision(self, call: ClaimCall) -> ClaimOutcome:
        """Store the insurer's answer; a final one comes back with the payout and shortfall movements."""
        assert call.outcome
        async with self.sessionmaker() as session:
            answer = await claims.record_decision(
                session,
                call.case_number,
                call.kind,
                call.outcome,
                call.amount_minor,
                call.note,
                at=datetime.now(UTC),
            )
            await session.commit()
        return answer
