"""InsuranceClaimWorkflow: files one insurance claim of a return and sees it through requests for more evidence
to the insurer's answer, telling its case at each step. The answer's payout and shortfall are its result."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        ClaimCall,
        ClaimEvidence,
        ClaimFiled,
        ClaimOutcome,
        ClaimPlan,
        ClaimProgress,
        InsurerDecision,
    )

TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
MIN_WINDOW = timedelta(minutes=1)  # even a claim opened at its deadline gets one honest try


@workflow.defn(name="InsuranceClaim")
class InsuranceClaimWorkflow:
    @workflow.init
    def __init__(self, plan: ClaimPlan) -> None:
        self.plan = plan
        self.decisions: list[InsurerDecision] = []
        self.evidence: list[ClaimEvidence] = []
        self.seen: set[str] = set()
        self.answered = 0

    @workflow.run
    async def run(self, plan: ClaimPlan) -> ClaimOutcome:
        case = workflow.get_external_workflow_handle(plan.parent_workflow_id)
        call = ClaimCall(case_number=plan.case_number, kind=plan.kind)
        try:
            # Retried until the insurer's filing deadline: a claim filed after it would be refused anyway.
            filed: ClaimFiled = await workflow.execute_activity(
                "claims.submit",
                call,
                result_type=ClaimFiled,
                schedule_to_close_timeout=self._left(),
                start_to_close_timeout=TIMEOUT,
                retry_policy=RETRY,
            )
        except ActivityError:
            return await self._decide("lapsed", None, "the claim could not be filed before the insurer's deadline")
        await case.signal(
            "claim_progress",
            ClaimProgress(
                kind=plan.kind,
                state="submitted",
                insurer_id=filed.insurer_id,
                amount_minor=plan.amount_minor,
                ledger=filed.ledger,
            ),
        )
        while True:
            await workflow.wait_condition(lambda: bool(self.decisions))
            decision = self.decisions.pop(0)
            if decision.outcome != "more_evidence":
                return await self._decide(decision.outcome, decision.amount_minor, decision.note)
            await self._activity("claims.record_decision", call.model_copy(update={"outcome": "more_evidence"}))
            await case.signal(
                "claim_progress", ClaimProgress(kind=plan.kind, state="more_evidence", note=decision.note)
            )
            try:
                await workflow.wait_condition(lambda: bool(self.evidence), timeout=self._left())
            except TimeoutError:
                return await self._decide("lapsed", None, "no evidence was supplied before the insurer's deadline")
            answer = self.evidence.pop(0)
            self.answered += 1
            key = f"{workflow.info().workflow_id}-evidence-{self.answered}"
            await self._activity("claims.send_evidence", call.model_copy(update={"note": answer.note, "key": key}))

    async def _decide(self, outcome: str, amount_minor: int | None, note: str | None) -> ClaimOutcome:
        """Store the final answer; the activity gives back the payout and shortfall ledger movements."""
        call = ClaimCall(
            case_number=self.plan.case_number,
            kind=self.plan.kind,
            outcome=outcome,
            amount_minor=amount_minor,
            note=note,
        )
        result: ClaimOutcome = await self._activity("claims.record_decision", call, ClaimOutcome)
        return result

    async def _activity(self, name: str, arg: Any, result_type: type[Any] | None = None) -> Any:
        return await workflow.execute_activity(
            name, arg, result_type=result_type, start_to_close_timeout=TIMEOUT, retry_policy=RETRY
        )

    def _left(self) -> timedelta:
        due = self.plan.due_at
        return max(MIN_WINDOW, due - workflow.now()) if due else timedelta(days=30)

    @workflow.signal(name="insurer_decision")
    def insurer_decision(self, decision: InsurerDecision) -> None:
        """The insurer's verified webhook; a duplicate delivery is ignored."""
        if decision.event_id in self.seen:
            return
        self.seen.add(decision.event_id)
        self.decisions.append(decision)

    @workflow.signal(name="evidence")
    def provide_evidence(self, evidence: ClaimEvidence) -> None:
        """The agent's evidence, forwarded by the case."""
        self.evidence.append(evidence)
