"""CustomsClearanceWorkflow: files a return's declaration with the broker and sees it through holds to
clearance or refusal, telling its case at each step."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        BrokerDecision,
        CustomsCall,
        CustomsDocuments,
        CustomsOutcome,
        CustomsProgress,
        CustomsStart,
        LedgerTxn,
    )

TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


@workflow.defn(name="CustomsClearance")
class CustomsClearanceWorkflow:
    @workflow.init
    def __init__(self, start: CustomsStart) -> None:
        self.start = start
        self.decisions: list[BrokerDecision] = []
        self.documents: list[CustomsDocuments] = []
        self.seen: set[str] = set()
        self.declaration_id: str | None = None
        self.answered = 0

    @workflow.run
    async def run(self, start: CustomsStart) -> CustomsOutcome:
        case = workflow.get_external_workflow_handle(start.parent_workflow_id)
        self.declaration_id = await workflow.execute_activity(
            "customs.submit",
            CustomsCall(case_number=start.case_number),
            result_type=str,
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        await case.signal("customs_progress", CustomsProgress(state="submitted", declaration_id=self.declaration_id))
        while True:
            await workflow.wait_condition(lambda: bool(self.decisions))
            decision = self.decisions.pop(0)
            ledger: list[LedgerTxn] = await workflow.execute_activity(
                "customs.record_decision",
                CustomsCall(case_number=start.case_number, outcome=decision.outcome, note=decision.note),
                result_type=list[LedgerTxn],
                start_to_close_timeout=TIMEOUT,
                retry_policy=RETRY,
            )
            if decision.outcome != "held":
                return CustomsOutcome(outcome=decision.outcome, note=decision.note, ledger=ledger)
            await case.signal("customs_progress", CustomsProgress(state="held", note=decision.note))
            await workflow.wait_condition(lambda: bool(self.documents))
            answer = self.documents.pop(0)
            self.answered += 1
            await workflow.execute_activity(
                "customs.send_documents",
                CustomsCall(
                    case_number=start.case_number,
                    declaration_id=self.declaration_id,
                    note=answer.note,
                    key=f"{workflow.info().workflow_id}-documents-{self.answered}",
                ),
                start_to_close_timeout=TIMEOUT,
                retry_policy=RETRY,
            )
            await case.signal("customs_progress", CustomsProgress(state="submitted", note=answer.note))

    @workflow.signal(name="broker_decision")
    def broker_decision(self, decision: BrokerDecision) -> None:
        """The broker's verified webhook; a duplicate delivery is ignored."""
        if decision.event_id in self.seen:
            return
        self.seen.add(decision.event_id)
        self.decisions.append(decision)

    @workflow.signal(name="documents")
    def provide_documents(self, documents: CustomsDocuments) -> None:
        """The agent's answer to a hold, forwarded by the case."""
        self.documents.append(documents)
