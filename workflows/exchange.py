"""ExchangeWorkflow: the new goods of one case, from stock held at the warehouse to the parcel on its way.
Out of stock, the customer chooses a refund or to wait; an instant exchange ships at once, backed by a hold
on the customer's card (which the case captures if the return never arrives). A step that fails releases what the
earlier ones took (stock, hold) and ends in "refund_instead", so the case pays the customer back instead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        Dispatch,
        ExchangeCall,
        ExchangeChoice,
        ExchangeOutcome,
        ExchangeProgress,
        ExchangeStart,
        Paid,
        Reservation,
    )

TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


@workflow.defn(name="Exchange")
class ExchangeWorkflow:
    @workflow.init
    def __init__(self, start: ExchangeStart) -> None:
        self.start = start
        self.go = False  # the case says ship (the returned goods passed inspection)
        self.aborted: str | None = None  # the case was cancelled or the goods failed inspection
        self.choice: str | None = None  # out of stock: wait | refund

    @workflow.signal(name="go")
    def ship_now(self) -> None:
        self.go = True

    @workflow.signal(name="abort")
    def abort(self, why: str) -> None:
        self.aborted = self.aborted or why

    @workflow.signal(name="choice")
    def customer_choice(self, choice: ExchangeChoice) -> None:
        self.choice = self.choice or choice.choice

    @workflow.run
    async def run(self, start: ExchangeStart) -> ExchangeOutcome:
        self.parent = workflow.get_external_workflow_handle(start.parent_workflow_id)
        why = await self._reserve()
        if why is not None:
            return await self._end("released" if self.aborted else "refund_instead", why)
        instant = start.instant and await self._hold()
        if not instant:
            await workflow.wait_condition(lambda: self.go or self.aborted is not None)
        if self.aborted:  # also an instant exchange whose case ended before the goods went out
            return await self._end("released", self.aborted)
        charged = await self._call("exchanges.charge_difference", Paid)
        if not charged.ok:
            return await self._end("refund_instead", "payment_declined")
        try:
            dispatch: Dispatch = await self._call("exchanges.ship", Dispatch)
        except ActivityError as err:
            code = err.cause.type if isinstance(err.cause, ApplicationError) else None
            return await self._end("refund_instead", code or "cannot_ship")
        await self._tell("shipped", dispatch=dispatch, ledger=charged.ledger)
        return ExchangeOutcome(outcome="shipped", held=instant)  # the case settles the hold when the return is due

    async def _reserve(self) -> str | None:
        """Hold the stock; out of stock, ask the customer and, if they wait, look again now and then.
        None once reserved, else why not."""
        timers = self.start.timers
        held: Reservation = await self._call("exchanges.reserve", Reservation)
        if held.reserved:
            await self._tell("reserved")
            return None
        due = workflow.now() + timedelta(seconds=timers.choice_s)
        await self._call("exchanges.mark", None, status="out_of_stock", note=", ".join(held.short), due_at=due)
        await self._tell("out_of_stock", note=", ".join(f"{k}: {v}" for k, v in held.short.items()), due_at=due)
        try:
            await workflow.wait_condition(
                lambda: self.choice is not None or self.aborted is not None, timeout=timedelta(seconds=timers.choice_s)
            )
        except TimeoutError:
            return "no_choice_made"  # a customer who does not answer gets their money back, not a wait
        if self.aborted:
            return self.aborted
        if self.choice == "refund":
            return "customer_chose_refund"
        await self._call("exchanges.mark", None, status="waiting_for_stock")
        await self._tell("waiting")
        give_up = workflow.now() + timedelta(seconds=timers.stock_wait_s)
        attempt = 1
        while workflow.now() < give_up:
            # The remaining time exactly (not cut to whole seconds): each check starts a little after the last fired,
            # and a truncated last wait would end just short of the deadline and add one more check.
            left = min(timedelta(seconds=timers.restock_check_s), max(timedelta(seconds=1), give_up - workflow.now()))
            try:
                await workflow.wait_condition(lambda: self.aborted is not None, timeout=left)
                return self.aborted
            except TimeoutError:
                pass
            attempt += 1
            held = await self._call("exchanges.reserve", Reservation, attempt=attempt)
            if held.reserved:
                await self._tell("reserved")
                return None
        return "still_out_of_stock"

    async def _hold(self) -> bool:
        """Instant exchange: the hold on the customer's card; declined, the exchange waits for the return."""
        held: Paid = await self._call("exchanges.authorize_hold", Paid)
        if not held.ok:
            await self._tell("instant_declined", note=held.why)
        return held.ok

    async def _end(self, outcome: str, why: str) -> ExchangeOutcome:
        """Compensate: give back the stock and void the hold, then say why the exchange ended."""
        status = "refunded_instead" if outcome == "refund_instead" else "released"
        await self._call("exchanges.release", bool, status=status, note=why)
        return ExchangeOutcome(outcome=outcome, why=why)

    async def _tell(self, state: str, **fields: Any) -> None:
        await self.parent.signal("exchange_progress", ExchangeProgress(state=state, **fields))

    async def _call(self, name: str, result_type: type[Any] | None, **fields: Any) -> Any:
        call = ExchangeCall(case_number=self.start.case_number, **fields)
        return await workflow.execute_activity(
            name, call, result_type=result_type, start_to_close_timeout=TIMEOUT, retry_policy=RETRY
        )
