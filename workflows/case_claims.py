"""Insurance claims of a return case: filed in the background by their own child workflows, answered by the
insurer, with agents supplying evidence. Mixed into ReturnCaseWorkflow, whose timeline records every step."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from workflows.claims import InsuranceClaimWorkflow
    from workflows.contracts import (
        CaseStart,
        CaseView,
        ClaimEvidence,
        ClaimOpen,
        ClaimOutcome,
        ClaimPlan,
        ClaimProgress,
        ClaimWait,
        claim_workflow_id,
    )


class CaseClaims:
    """The claim handlers; the state lives on the workflow (set in its __init__)."""

    claims: dict[str, str]  # kind → filing | submitted | more_evidence | answered | decided | not_filed | failed
    claim_children: dict[str, workflow.ChildWorkflowHandle[Any, ClaimOutcome]]
    claim_tasks: list[asyncio.Task[None]]

    if TYPE_CHECKING:  # provided by ReturnCaseWorkflow
        start: CaseStart
        status: str
        escalations: list[str]

        async def _activity(self, name: str, arg: Any, result_type: type[Any] | None = None) -> Any: ...
        async def _record(self, type_: str, actor: str, *, status: str | None = None, **fields: Any) -> None: ...
        async def _escalate(self, what: str, data: dict[str, Any]) -> None: ...
        def _require(self, ok: bool, message: str) -> None: ...
        def view(self) -> CaseView: ...

    def _file_claim(self, kind: str, trigger: str, grades: dict[str, str] | None = None) -> None:
        """Open a claim of this kind once per case, in the background: the customer's refund never waits for it."""
        if kind in self.claims or not workflow.patched("insurance-claims"):
            return  # cases started before claims existed go on as they always did
        self.claims[kind] = "filing"
        self.claim_tasks.append(asyncio.create_task(self._claim(kind, trigger, grades or {})))

    async def _claim(self, kind: str, trigger: str, grades: dict[str, str]) -> None:
        """Plan the claim (is the order insured, for how much, by when), run its child, record the answer."""
        wanted = ClaimOpen(
            case_number=self.start.case_number, kind=kind, trigger=trigger, incident_at=workflow.now(), grades=grades
        )
        try:
            plan: ClaimPlan = await self._activity("claims.open", wanted, ClaimPlan)
        except ActivityError as err:  # never silently dropped: an agent files it by hand
            self.claims[kind] = "failed"
            await self._escalate("claim_failed", {"kind": kind, "why": str(err.cause or err)})
            return
        if not plan.insured:
            self.claims[kind] = "not_filed"
            if plan.why == "no_amount":  # insured, but the policy gives no amount: a person must file it
                await self._escalate("claim_not_filed", {"kind": kind, "why": plan.why})
            return
        plan = plan.model_copy(update={"parent_workflow_id": workflow.info().workflow_id})
        child = await workflow.start_child_workflow(
            InsuranceClaimWorkflow.run, plan, id=claim_workflow_id(self.start.case_number, kind)
        )
        self.claim_children[kind] = child
        try:
            outcome = await child
        except ChildWorkflowError as err:
            self.claims[kind] = "failed"
            await self._escalate("claim_failed", {"kind": kind, "why": str(err.cause or err)})
            return
        self.claims[kind] = "decided"
        # The agents' to-do (evidence) is done; a case held for another reason, or another claim waiting for
        # evidence, stays flagged.
        done = "claim_evidence_needed" in self.escalations and "more_evidence" not in self.claims.values()
        await self._record(
            "claim.decided",
            "insurer",
            data={
                "kind": kind,
                "outcome": outcome.outcome,
                "claimed": outcome.claimed_minor,
                "amount": outcome.paid_minor,
                "shortfall": outcome.shortfall_minor,
                "note": outcome.note,
            },
            ledger=outcome.ledger,
            escalated=False if done and self.status == "completed" else None,
        )

    @workflow.signal(name="claim_progress")
    async def claim_progress(self, progress: ClaimProgress) -> None:
        """The claim child: filed with the insurer (the receivable booked), or more evidence wanted."""
        if self.claims.get(progress.kind) == "decided":
            return
        self.claims[progress.kind] = progress.state
        if progress.state == "submitted":
            await self._record(
                "claim.filed",
                "system",
                data={"kind": progress.kind, "claim_id": progress.insurer_id, "amount": progress.amount_minor},
                ledger=progress.ledger,
            )
        else:
            await self._record(
                "claim.evidence_requested", "insurer", data={"kind": progress.kind, "note": progress.note}
            )
            await self._escalate("claim_evidence_needed", {"kind": progress.kind, "note": progress.note})

    @workflow.update(name="claim_evidence")
    async def claim_evidence(self, evidence: ClaimEvidence) -> CaseView:
        """An agent supplies the evidence the insurer asked for; the claim child sends it for a new decision."""
        self.claims[evidence.kind] = "answered"  # first: a second click is refused by the validator
        await self._record(
            "claim.evidence_provided", evidence.actor, data={"kind": evidence.kind, "note": evidence.note}
        )
        await self.claim_children[evidence.kind].signal("evidence", evidence)
        return self.view()

    @claim_evidence.validator
    def _can_supply_evidence(self, evidence: ClaimEvidence) -> None:
        self._require(
            self.claims.get(evidence.kind) == "more_evidence", "the insurer is not waiting for evidence on this claim"
        )
        self._require(bool(evidence.note.strip()), "describe the evidence supplied")

    @workflow.update(name="wait_for_claim")
    async def wait_for_claim(self, wait: ClaimWait) -> CaseView:
        """Answers once the claim of `wait.kind` reaches one of `wait.states`: lets a caller await claim steps."""
        await workflow.wait_condition(lambda: self.claims.get(wait.kind) in wait.states)
        return self.view()
