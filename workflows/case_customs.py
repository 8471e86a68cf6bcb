"""Cross-border returns of a case: the declaration before the label (waiting for an agent to classify items
without an HS code), and the CustomsClearance child once the parcel moves, through holds to clearance or
refusal. Mixed into ReturnCaseWorkflow, whose timeline records every step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        CaseStart,
        CaseView,
        Classification,
        CustomsCall,
        CustomsCheck,
        CustomsDocuments,
        CustomsOutcome,
        CustomsProgress,
        CustomsStart,
        customs_workflow_id,
    )
    from workflows.customs import CustomsClearanceWorkflow

TERMINAL = {"completed", "cancelled", "rejected"}


class CaseCustoms:
    """The customs handlers; the state lives on the workflow (set in its __init__)."""

    customs_state: str  # none | needs_classification | ready | submitted | held | answered | cleared | refused
    customs_child: workflow.ChildWorkflowHandle[Any, CustomsOutcome] | None

    if TYPE_CHECKING:  # provided by ReturnCaseWorkflow
        start: CaseStart
        status: str

        async def _activity(self, name: str, arg: Any, result_type: type[Any] | None = None) -> Any: ...
        async def _record(self, type_: str, actor: str, *, status: str | None = None, **fields: Any) -> None: ...
        async def _escalate(self, what: str, data: dict[str, Any]) -> None: ...
        def _require(self, ok: bool, message: str) -> None: ...
        def view(self) -> CaseView: ...

    async def _declare(self) -> bool:
        """Prepare the customs declaration before the label; an item without a valid HS code waits for an
        agent to classify it. False when the case ended meanwhile."""
        call = CustomsCall(case_number=self.start.case_number)
        check = await self._activity("customs.prepare", call, CustomsCheck)
        self.customs_state = check.status
        if check.status == "needs_classification":
            await self._escalate("customs_classification_needed", {"problems": check.problems})
            await workflow.wait_condition(lambda: self.customs_state == "ready" or self.status in TERMINAL)
            if self.status in TERMINAL:
                return False
        else:
            await self._record("customs.declared", "system", data=check.model_dump(exclude={"status", "problems"}))
        return True

    async def _clear_customs(self) -> bool:
        """Once the parcel is on its way, the clearance child files the declaration and sees it through holds.
        True when cleared; False when refused (then policy decides) or the case ended."""
        self.customs_child = await workflow.start_child_workflow(
            CustomsClearanceWorkflow.run,
            CustomsStart(case_number=self.start.case_number, parent_workflow_id=workflow.info().workflow_id),
            id=customs_workflow_id(self.start.case_number),
        )
        child = self.customs_child
        await workflow.wait_condition(lambda: child.done() or self.status in TERMINAL)
        if self.status in TERMINAL:
            child.cancel()
            return False
        outcome = child.result()
        self.customs_state = outcome.outcome
        if outcome.outcome == "cleared":
            back = "in_transit" if self.status == "customs_hold" else None
            await self._record(
                "customs.cleared",
                "customs",
                status=back,
                data={"note": outcome.note},
                ledger=outcome.ledger,
                clear_sla=True,
                escalated=False,
            )
            return True
        if self.start.customs_refused == "abandon":
            await self._record("customs.refused", "customs", data={"note": outcome.note, "goods": "abandoned"})
        else:
            await self._record("customs.refused", "customs", data={"note": outcome.note, "goods": "returned_to_sender"})
            await self._record(
                "cancelled", "customs", status="cancelled", data={"reason": "customs_refused"}, clear_sla=True
            )
        return False

    @workflow.signal(name="customs_progress")
    async def customs_progress(self, progress: CustomsProgress) -> None:
        """The clearance child: filed, held (documents requested), or answered and under examination again."""
        if self.status in TERMINAL:
            return
        self.customs_state = progress.state
        if progress.state == "held":
            await self._record("customs.held", "customs", status="customs_hold", data={"note": progress.note})
            await self._escalate("customs_hold", {"note": progress.note})
        elif progress.declaration_id:
            await self._record("customs.submitted", "system", data={"declaration_id": progress.declaration_id})
        else:
            back = "in_transit" if self.status == "customs_hold" else None
            await self._record("customs.resubmitted", "system", status=back, data={"note": progress.note})

    @workflow.update(name="classify")
    async def classify(self, classification: Classification) -> CaseView:
        """An agent's HS codes for the items the declaration could not classify."""
        call = CustomsCall(case_number=self.start.case_number, codes=classification.codes)
        check = await self._activity("customs.prepare", call, CustomsCheck)
        await self._record(
            "customs.classified",
            classification.actor,
            data={"codes": classification.codes, "problems": check.problems},
            escalated=False if check.status == "ready" else None,
        )
        if check.status == "ready":
            await self._record("customs.declared", "system", data=check.model_dump(exclude={"status", "problems"}))
        self.customs_state = check.status
        return self.view()

    @classify.validator
    def _can_classify(self, classification: Classification) -> None:
        self._require(self.customs_state == "needs_classification", "this case has no customs items waiting for a code")

    @workflow.update(name="customs_documents")
    async def customs_documents(self, documents: CustomsDocuments) -> CaseView:
        """An agent answers the broker's hold; the clearance child sends the documents."""
        assert self.customs_child is not None
        await self._record("customs.documents_provided", documents.actor, data={"note": documents.note})
        await self.customs_child.signal("documents", documents)
        self.customs_state = "answered"
        return self.view()

    @workflow.update(name="wait_for_customs")
    async def wait_for_customs(self, states: list[str]) -> CaseView:
        """Answers once customs reaches one of `states` (or the case ended): lets a caller await clearance steps."""
        await workflow.wait_condition(lambda: self.customs_state in states or self.status in TERMINAL)
        return self.view()

    @customs_documents.validator
    def _can_send_documents(self, documents: CustomsDocuments) -> None:
        self._require(self.customs_state == "held", "customs is not waiting for documents on this case")
