"""Goods instead of money: a case's exchange or replacement (an Exchange child) and its repair (a Repair child),
and the outbound parcels they send. Mixed into ReturnCaseWorkflow, whose timeline records every step."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        CarrierEvent,
        CaseStart,
        CaseView,
        Dispatch,
        ExchangeCall,
        ExchangeChoice,
        ExchangeOutcome,
        ExchangeProgress,
        ExchangeStart,
        Paid,
        QuoteAnswer,
        RefundPlan,
        RepairCall,
        RepairOutcome,
        RepairProgress,
        RepairStart,
        ShipmentUpdate,
        exchange_workflow_id,
        repair_workflow_id,
    )
    from workflows.exchange import ExchangeWorkflow
    from workflows.repair import RepairWorkflow

FIT_TO_EXCHANGE = {"A", "B"}  # returned goods in this state are swapped; worse ones are refunded per their grade
# The case still waits for the customer's parcel (or its inspection): an instant exchange's new goods that go out
# now leave the case where it is, so the status page keeps asking for the parcel and showing its ship-by date.
RETURN_PENDING = {"approved", "awaiting_shipment", "in_transit", "customs_hold", "received"}
# Cases started before this patch moved to "resolving" when an instant exchange shipped, and settled its hold
# without a status of their own; they replay as they ran.
INSTANT_KEEPS_STATUS = "instant-exchange-keeps-return-status"
OUTBOUND_DONE = {"delivered", "lost", "damaged"}
ENDED = {"completed", "cancelled"}


class CaseGoods:
    """The exchange and repair handlers; the state lives on the workflow (set in its __init__)."""

    exchange_child: workflow.ChildWorkflowHandle[Any, ExchangeOutcome] | None
    exchange_state: str
    instant_live: bool  # an instant exchange whose hold is in place (declined: it waits for the return after all)
    repair_child: workflow.ChildWorkflowHandle[Any, RepairOutcome] | None
    repair_state: str
    outbound: dict[str, str]  # tracking number -> carrier status of parcels we send to the customer
    early_events: dict[str, list[CarrierEvent]]  # events of a parcel announced before its dispatch reached us

    if TYPE_CHECKING:  # provided by ReturnCaseWorkflow
        start: CaseStart
        status: str
        seen_events: set[str]
        lock: asyncio.Lock

        async def _activity(self, name: str, arg: Any, result_type: type[Any] | None = None) -> Any: ...
        async def _record(self, type_: str, actor: str, *, status: str | None = None, **fields: Any) -> None: ...
        async def _escalate(self, what: str, data: dict[str, Any]) -> None: ...
        async def _refund(self, grades: dict[str, str]) -> None: ...
        async def _pay(self, plan: RefundPlan, ledger_type: str, expense: str | None = None) -> bool: ...
        def _require(self, ok: bool, message: str) -> None: ...
        def view(self) -> CaseView: ...

    # --- exchanges and replacements ------------------------------------------------------------------------

    async def _start_exchange(self, kind: str, instant: bool) -> None:
        """The new goods' child: stock held from approval, so the item is not sold while the old one travels."""
        self.exchange_state, self.instant_live = "reserving", instant
        start = ExchangeStart(
            case_number=self.start.case_number,
            parent_workflow_id=workflow.info().workflow_id,
            kind=kind,
            instant=instant,
            timers=self.start.timers,
        )
        self.exchange_child = await workflow.start_child_workflow(
            ExchangeWorkflow.run, start, id=exchange_workflow_id(self.start.case_number)
        )

    def _instant_shipped(self) -> bool:
        return self.instant_live and self.exchange_state in {"shipped", "delivered"}

    def _exchange_running(self) -> bool:
        return self.exchange_child is not None and not self.exchange_child.done()

    async def _tell_exchange(self, signal: str, arg: Any = None) -> None:
        if self._exchange_running():
            assert self.exchange_child is not None
            await (self.exchange_child.signal(signal) if arg is None else self.exchange_child.signal(signal, arg))

    @workflow.signal(name="exchange_progress")
    async def exchange_progress(self, progress: ExchangeProgress) -> None:
        """The exchange child: stock held or short, waiting for stock, the new goods shipped."""
        state = progress.state
        if state == "instant_declined":
            self.instant_live = False
            await self._record("exchange.instant_declined", "system", data={"why": progress.note})
            return
        self.exchange_state = state
        if state == "out_of_stock":
            due = progress.due_at.isoformat() if progress.due_at else None
            await self._record("exchange.out_of_stock", "system", data={"short": progress.note, "choose_by": due})
        elif state == "shipped" and progress.dispatch is not None:
            early = self.instant_live and self.status in RETURN_PENDING
            status = None if early and workflow.patched(INSTANT_KEEPS_STATUS) else "resolving"
            await self._dispatched("exchange.shipped", progress.dispatch, status=status, ledger=progress.ledger)
        else:
            await self._record(f"exchange.{state}", "system")

    @workflow.update(name="exchange_choice")
    async def exchange_choice(self, choice: ExchangeChoice) -> CaseView:
        """Out of stock: the customer (or an agent for them) chooses to wait for stock or to take a refund."""
        self.exchange_state = "waiting" if choice.choice == "wait" else "refund_chosen"
        await self._record("exchange.customer_chose", choice.actor, data={"choice": choice.choice})
        await self._tell_exchange("choice", choice)
        return self.view()

    @exchange_choice.validator
    def _can_choose(self, choice: ExchangeChoice) -> None:
        self._require(self.exchange_state == "out_of_stock", "this exchange is not waiting for your choice")
        self._require(choice.choice in {"wait", "refund"}, "choose to wait for stock or to get a refund")

    async def _finish_exchange(self, grades: dict[str, str]) -> None:
        """The returned goods are inspected: ship the new ones (or settle an instant exchange's hold), refund a
        cheaper exchange's difference, and close once the parcel arrives. Goods not fit to swap, or new goods
        that cannot be had, are refunded per their grades instead."""
        assert self.exchange_child is not None
        fit = all(g in FIT_TO_EXCHANGE for g in grades.values())
        if self.instant_live:
            pass  # the new goods went (or go) out regardless: only the hold is left to settle
        elif fit:
            await self._tell_exchange("go")
        else:
            await self._tell_exchange("abort", "inspection_failed")
        outcome = await self.exchange_child
        if outcome.held:
            # An empty box or someone else's goods is a return that never came: the hold pays for the new goods.
            await self._settle_hold(capture="X" in grades.values(), why="empty_box")
        if outcome.outcome != "shipped":
            self.exchange_state = outcome.outcome
            await self._record("exchange.refund_instead", "system", data={"why": outcome.why})
            await self._refund(grades)
            return
        plan: RefundPlan = await self._activity(
            "exchanges.reserve_difference", ExchangeCall(case_number=self.start.case_number), RefundPlan
        )
        if plan.parts and not await self._pay(plan, "exchange_difference", "returns:exchange_difference"):
            return  # held for finance with the escalation; the parcel is on its way regardless
        await self._await_outbound()

    async def _unreturned(self) -> None:
        """An instant exchange whose return never shipped by its deadline: the customer keeps both and the
        hold on their card pays for the new goods."""
        status = "resolving" if workflow.patched(INSTANT_KEEPS_STATUS) else None
        await self._record("return_not_received", "system", status=status)
        assert self.exchange_child is not None
        await self.exchange_child
        await self._settle_hold(capture=True, why="not_returned")
        await self._await_outbound()

    async def _settle_hold(self, *, capture: bool, why: str) -> None:
        """Void the instant exchange's hold (the old goods came back) or capture it (they did not)."""
        call = ExchangeCall(case_number=self.start.case_number, capture=capture)
        settled: Paid = await self._activity("exchanges.settle_hold", call, Paid)
        status = "resolving" if workflow.patched(INSTANT_KEEPS_STATUS) else None
        if not capture:
            if status is not None:  # the old goods are back and inspected: the case moves on to closing
                await self._record("exchange.hold_released", "system", status=status)
            return
        if settled.ok:
            await self._record(
                "exchange.hold_captured", "system", status=status, data={"why": why}, ledger=settled.ledger
            )
        else:  # the hold lapsed or was refused: finance must collect it by other means
            await self._escalate("hold_capture_failed", {"why": settled.why})

    # --- repairs -----------------------------------------------------------------------------------------

    async def _repair(self) -> None:
        """The item reached the repair centre: see the repair through, then the parcel back (or, if it cannot
        be repaired, a replacement or a refund as the policy says)."""
        start = RepairStart(
            case_number=self.start.case_number, parent_workflow_id=workflow.info().workflow_id, timers=self.start.timers
        )
        self.repair_state = "filing"
        self.repair_child = await workflow.start_child_workflow(
            RepairWorkflow.run, start, id=repair_workflow_id(self.start.case_number)
        )
        outcome = await self.repair_child
        self.repair_state = outcome.outcome
        if outcome.dispatch is not None:
            await self._dispatched(f"repair.{outcome.outcome}", outcome.dispatch, note=outcome.note)
            await self._await_outbound()
            return
        await self._record("repair.not_repairable", "repair_centre", status="resolving", data={"note": outcome.note})
        if self.start.not_repairable == "replacement":
            await self._activity("exchanges.replace_unrepairable", ExchangeCall(case_number=self.start.case_number))
            await self._start_exchange("replacement", instant=False)
            await self._tell_exchange("go")  # the old item is already with us: ship as soon as stock is held
            assert self.exchange_child is not None
            replaced = await self.exchange_child
            if replaced.outcome == "shipped":
                await self._await_outbound()
                return
            await self._record("exchange.refund_instead", "system", data={"why": replaced.why})
        await self._refund({})

    @workflow.signal(name="repair_progress")
    async def repair_progress(self, progress: RepairProgress) -> None:
        """The repair child: filed at the centre, a quote waiting for the customer's answer, or the answer the
        centre was given (repairing once paid, else the item comes back as it was)."""
        self.repair_state = progress.state
        if progress.state == "quote_answered":
            paid = progress.note == "accepted"
            self.repair_state = "repairing" if paid else "sending_back"
            if progress.note != "declined":  # the customer's own "no" is on the timeline already
                event = "repair.quote_paid" if paid else f"repair.quote_{progress.note}"
                await self._record(event, "system", ledger=progress.ledger)
        elif progress.state == "quoted":
            due = progress.due_at.isoformat() if progress.due_at else None
            data = {"amount": progress.quote_minor, "currency": self.start.currency, "answer_by": due}
            await self._record("repair.quoted", "repair_centre", data={**data, "note": progress.note})
        else:
            await self._record("repair.at_repair_centre", "repair_centre", status="repairing")

    @workflow.update(name="quote_answer")
    async def quote_answer(self, answer: QuoteAnswer) -> CaseView:
        """The customer accepts (and pays) or declines the repair centre's quote."""
        self.repair_state = "answered"
        await self._record("repair.quote_accepted" if answer.accepted else "repair.quote_declined", answer.actor)
        assert self.repair_child is not None
        await self.repair_child.signal("quote_answer", answer)
        return self.view()

    @quote_answer.validator
    def _can_answer_quote(self, answer: QuoteAnswer) -> None:
        self._require(self.repair_state == "quoted", "there is no repair quote waiting for an answer")

    @workflow.update(name="wait_for_goods")
    async def wait_for_goods(self, states: list[str]) -> CaseView:
        """Answers once the exchange or repair reaches one of `states` (or the case ended) and the projection
        shows it: lets a caller await exchange and repair steps."""
        await workflow.wait_condition(
            lambda: (
                (self.exchange_state in states or self.repair_state in states or self.status in ENDED)
                and not self.lock.locked()
            )
        )
        return self.view()

    # --- outbound parcels ----------------------------------------------------------------------------------

    async def _dispatched(
        self, type_: str, dispatch: Dispatch, *, status: str | None = "resolving", **fields: Any
    ) -> None:
        """Record a parcel on its way to the customer, then any of its carrier events that came before."""
        self.outbound[dispatch.tracking_number] = "label_created"
        note = fields.pop("note", None)
        await self._record(
            type_,
            "system",
            status=status,
            data={"tracking_number": dispatch.tracking_number, "note": note},
            shipment=ShipmentUpdate(
                tracking_number=dispatch.tracking_number,
                direction="outbound",
                status="label_created",
                label_url=dispatch.label_url,
            ),
            **fields,
        )
        for event in self.early_events.pop(dispatch.tracking_number, []):
            await self._outbound_event(event)

    def _expects_outbound(self) -> bool:
        return self.start.exchange is not None or self.start.resolution == "repair"

    async def _outbound_event(self, event: CarrierEvent) -> None:
        """A carrier event of a parcel we send: on the timeline and the shipment; one seen early is kept."""
        if event.tracking_number not in self.outbound:
            self.early_events.setdefault(event.tracking_number, []).append(event)
            return
        self.seen_events.add(event.event_id)
        if event.status != "label_created":
            self.outbound[event.tracking_number] = event.status
        await self._record(
            f"outbound.{event.status}",
            "carrier",
            data={"tracking_number": event.tracking_number, "location": event.location},
            shipment=ShipmentUpdate(
                tracking_number=event.tracking_number,
                direction="outbound",
                status=event.status,
                event=event.model_dump(mode="json"),
            ),
        )
        if event.status in {"lost", "damaged", "exception"}:
            await self._escalate(f"outbound_{event.status}", {"tracking_number": event.tracking_number})

    async def _await_outbound(self) -> None:
        """Close the case once every parcel we sent has arrived; a lost one stays open, escalated, for an
        agent (who may send goodwill) rather than closing as if all went well."""
        await workflow.wait_condition(lambda: all(s in OUTBOUND_DONE for s in self.outbound.values()))
        if all(s == "delivered" for s in self.outbound.values()):
            if self.exchange_state == "shipped":
                self.exchange_state = "delivered"
                await self._activity(
                    "exchanges.mark", ExchangeCall(case_number=self.start.case_number, status="delivered")
                )
            elif self.repair_state in {"repaired", "returned_unrepaired"}:
                await self._activity("repairs.mark", RepairCall(case_number=self.start.case_number, status="delivered"))
            await self._record("completed", "system", status="completed", clear_sla=True)
            return
        await workflow.wait_condition(lambda: self.status in ENDED)
