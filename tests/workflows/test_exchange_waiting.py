"""The out-of-stock rules of ExchangeWorkflow with the policy's real durations, time skipped on the dev server:
a customer who waits gets the item when it is back (found by the periodic restock check), a wait that outlasts
the policy ends in a refund, and a customer who never answers is refunded after the choice period. The
warehouse and payment steps are stand-ins that count their calls; the case is a stub that answers as a
customer would."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from workflows.contracts import (
    CaseTimers,
    Dispatch,
    ExchangeCall,
    ExchangeChoice,
    ExchangeOutcome,
    ExchangeProgress,
    ExchangeStart,
    Paid,
    Reservation,
)
from workflows.exchange import ExchangeWorkflow

DAY = 86_400
# The default market's rules as a case snapshot carries them (CaseTimers' defaults are those rules).
TIMERS = CaseTimers(ship_by_s=14 * DAY, ship_by_reminder_s=3 * DAY, review_sla_s=DAY, inspection_sla_s=2 * DAY,
                    refund_deadline_s=7 * DAY)  # fmt: skip


class StubIn(BaseModel):
    exchange_id: str
    answer: str | None  # wait | refund | None (never answers)


class Seen(BaseModel):
    state: str
    at: datetime


@workflow.defn(name="ExchangeCaseStub")
class CaseStub:
    """Stands in for the return case: notes what the exchange tells it, answers the out-of-stock question, and
    says go once stock is held (the returned goods passed inspection long ago)."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []

    @workflow.run
    async def run(self, stub: StubIn) -> None:
        self.stub = stub
        await workflow.wait_condition(lambda: False)

    @workflow.signal(name="exchange_progress")
    async def progress(self, progress: ExchangeProgress) -> None:
        self.seen.append(Seen(state=progress.state, at=workflow.now()))
        child = workflow.get_external_workflow_handle(self.stub.exchange_id)
        if progress.state == "out_of_stock" and self.stub.answer:
            await child.signal("choice", ExchangeChoice(actor="customer", choice=self.stub.answer))
        elif progress.state == "reserved":
            await child.signal("go")

    @workflow.query(name="seen")
    def states(self) -> list[Seen]:
        return self.seen


@dataclass
class Warehouse:
    """Out of stock until the `restocked_at`-th reservation attempt (never when None)."""

    restocked_at: int | None
    attempts: list[int] = field(default_factory=list)
    released: list[str | None] = field(default_factory=list)

    @activity.defn(name="exchanges.reserve")
    async def reserve(self, call: ExchangeCall) -> Reservation:
        self.attempts.append(call.attempt)
        if self.restocked_at is not None and call.attempt >= self.restocked_at:
            return Reservation(reserved=True, reservation_id="res_1")
        return Reservation(reserved=False, short={"TEE-L": "0"})

    @activity.defn(name="exchanges.release")
    async def release(self, call: ExchangeCall) -> bool:
        self.released.append(call.status)
        return True

    @activity.defn(name="exchanges.mark")
    async def mark(self, call: ExchangeCall) -> None:
        return None

    @activity.defn(name="exchanges.charge_difference")
    async def charge(self, call: ExchangeCall) -> Paid:
        return Paid(ok=True)

    @activity.defn(name="exchanges.ship")
    async def ship(self, call: ExchangeCall) -> Dispatch:
        return Dispatch(tracking_number="SBOUT1")

    @activity.defn(name="exchanges.authorize_hold")
    async def hold(self, call: ExchangeCall) -> Paid:
        return Paid(ok=False, why="not_instant")


@pytest.fixture
async def task_queue() -> AsyncIterator[str]:
    yield f"exchange-waiting-{uuid.uuid4()}"


@dataclass
class Ran:
    outcome: ExchangeOutcome
    seen: list[Seen]  # what the case was told, in order
    timers: list[float]  # the exchange's timers, in days, as its history has them


async def run_exchange(client: Client, warehouse: Warehouse, answer: str | None, task_queue: str) -> Ran:
    activities = [
        warehouse.reserve,
        warehouse.release,
        warehouse.mark,
        warehouse.charge,
        warehouse.ship,
        warehouse.hold,
    ]
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ExchangeWorkflow, CaseStub],
        activities=activities,
        workflow_runner=UnsandboxedWorkflowRunner(),  # the stub lives in this test module
    ):
        case_id, exchange_id = f"case-{uuid.uuid4()}", f"exchange-{uuid.uuid4()}"
        stub: WorkflowHandle[CaseStub, None] = await client.start_workflow(
            CaseStub.run, StubIn(exchange_id=exchange_id, answer=answer), id=case_id, task_queue=task_queue
        )
        start = ExchangeStart(
            case_number="R-1", parent_workflow_id=case_id, kind="exchange", instant=False, timers=TIMERS
        )
        outcome = await client.execute_workflow(ExchangeWorkflow.run, start, id=exchange_id, task_queue=task_queue)
        seen = await stub.query(CaseStub.states)
        await stub.terminate("test over")
        timers = [
            e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta() / timedelta(days=1)
            async for e in client.get_workflow_handle(exchange_id).fetch_history_events()
            if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
        ]
    return Ran(outcome, seen, timers)


async def test_a_customer_who_waits_gets_the_item_when_the_restock_check_finds_it(
    skipping_client: Client, task_queue: str
) -> None:
    warehouse = Warehouse(restocked_at=3)
    ran = await run_exchange(skipping_client, warehouse, "wait", task_queue)
    assert ran.outcome.outcome == "shipped"
    assert [s.state for s in ran.seen] == ["out_of_stock", "waiting", "reserved", "shipped"]
    assert warehouse.attempts == [1, 2, 3] and warehouse.released == []
    # the week to choose (no timer at all when the answer beat the question's first task), then a look a day
    assert ran.timers in ([7, 1, 1], [1, 1])


async def test_a_wait_longer_than_the_policy_allows_ends_in_a_refund(skipping_client: Client, task_queue: str) -> None:
    warehouse = Warehouse(restocked_at=None)
    ran = await run_exchange(skipping_client, warehouse, "wait", task_queue)
    assert (ran.outcome.outcome, ran.outcome.why) == ("refund_instead", "still_out_of_stock")
    assert warehouse.attempts == list(range(1, 16))  # the first try, then one a day for 14 days
    assert warehouse.released == ["refunded_instead"]
    assert [s.state for s in ran.seen] == ["out_of_stock", "waiting"]
    # a look a day, the last one ending at the give-up time, after the week to choose (unless answered at once)
    assert [round(t, 2) for t in ran.timers] in ([7] + [1] * 14, [1] * 14)


async def test_no_answer_within_the_choice_period_is_a_refund(skipping_client: Client, task_queue: str) -> None:
    warehouse = Warehouse(restocked_at=2)  # stock would come back, but nobody said to wait
    ran = await run_exchange(skipping_client, warehouse, None, task_queue)
    assert (ran.outcome.outcome, ran.outcome.why) == ("refund_instead", "no_choice_made")
    assert warehouse.attempts == [1] and warehouse.released == ["refunded_instead"]
    assert ran.timers == [7]


async def test_a_customer_who_asks_for_a_refund_gets_one_at_once(skipping_client: Client, task_queue: str) -> None:
    warehouse = Warehouse(restocked_at=2)
    ran = await run_exchange(skipping_client, warehouse, "refund", task_queue)
    assert (ran.outcome.outcome, ran.outcome.why) == ("refund_instead", "customer_chose_refund")
    assert warehouse.attempts == [1]
