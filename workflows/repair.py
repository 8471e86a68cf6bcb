"""RepairWorkflow: a returned item at the repair centre, from the repair order to its verdict. Repaired or sent
back unrepaired, it ends with the parcel on its way to the customer; out of warranty, the customer answers a
quote (paid before the repair, declined or lapsed: sent back as it was); not repairable, the case decides."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        Dispatch,
        Paid,
        QuoteAnswer,
        RepairCall,
        RepairOutcome,
        RepairProgress,
        RepairStart,
        RepairVerdict,
    )

TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
SENT_BACK = {"repaired", "returned_unrepaired"}


@workflow.defn(name="Repair")
class RepairWorkflow:
    @workflow.init
    def __init__(self, start: RepairStart) -> None:
        self.start = start
        self.verdicts: list[RepairVerdict] = []
        self.seen: set[str] = set()
        self.answer: QuoteAnswer | None = None

    @workflow.signal(name="repair_verdict")
    def repair_verdict(self, verdict: RepairVerdict) -> None:
        """The repair centre's verified webhook; a duplicate delivery is ignored."""
        if verdict.event_id not in self.seen:
            self.seen.add(verdict.event_id)
            self.verdicts.append(verdict)

    @workflow.signal(name="quote_answer")
    def quote_answer(self, answer: QuoteAnswer) -> None:
        self.answer = self.answer or answer

    @workflow.run
    async def run(self, start: RepairStart) -> RepairOutcome:
        parent = workflow.get_external_workflow_handle(start.parent_workflow_id)
        await self._call("repairs.file", None)
        await parent.signal("repair_progress", RepairProgress(state="at_repair_centre"))
        while True:
            await workflow.wait_condition(lambda: bool(self.verdicts))
            verdict = self.verdicts.pop(0)
            if verdict.outcome in SENT_BACK and verdict.tracking_number:
                await self._call(
                    "repairs.mark",
                    None,
                    status=verdict.outcome,
                    note=verdict.note,
                    tracking_number=verdict.tracking_number,
                )
                dispatch = Dispatch(tracking_number=verdict.tracking_number)
                return RepairOutcome(outcome=verdict.outcome, dispatch=dispatch, note=verdict.note)
            if verdict.outcome == "not_repairable":
                await self._call("repairs.mark", None, status="not_repairable", note=verdict.note)
                return RepairOutcome(outcome="not_repairable", note=verdict.note)
            if verdict.outcome == "out_of_warranty" and verdict.quote_minor:
                await self._quote(parent, verdict)

    async def _quote(self, parent: workflow.ExternalWorkflowHandle[Any], verdict: RepairVerdict) -> None:
        """Ask the customer; charge an accepted quote before telling the centre to go ahead, then tell the case
        what was answered (and paid)."""
        due = workflow.now() + timedelta(seconds=self.start.timers.quote_s)
        await self._call("repairs.mark", None, status="quoted", quote_minor=verdict.quote_minor, due_at=due)
        progress = RepairProgress(state="quoted", quote_minor=verdict.quote_minor, due_at=due, note=verdict.note)
        await parent.signal("repair_progress", progress)
        # No answer by the deadline counts as declined: the item goes back as it was.
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self.answer is not None, timeout=timedelta(seconds=self.start.timers.quote_s)
            )
        accepted = self.answer is not None and self.answer.accepted
        answer = "lapsed" if self.answer is None else "accepted" if accepted else "declined"
        ledger: list[Any] = []
        if accepted:
            charged: Paid = await self._call("repairs.charge_quote", Paid)
            accepted, ledger = charged.ok, charged.ledger
            answer = "accepted" if charged.ok else "payment_declined"
        await self._call("repairs.answer_quote", None, accepted=accepted, note=answer)
        await parent.signal("repair_progress", RepairProgress(state="quote_answered", note=answer, ledger=ledger))

    async def _call(self, name: str, result_type: type[Any] | None, **fields: Any) -> Any:
        call = RepairCall(case_number=self.start.case_number, **fields)
        return await workflow.execute_activity(
            name, call, result_type=result_type, start_to_close_timeout=TIMEOUT, retry_policy=RETRY
        )
