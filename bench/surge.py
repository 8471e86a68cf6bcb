"""Surge: N returns filed through the API in one burst while the worker is busy with the ones before them; prints
the acceptance rate, p50/p99 latency of the burst's requests, the time until every case is terminal, and the same
run's bare-Temporal baseline (workflows with the same activity counts, started and drained the same way) as ratios.
Goals on the 2-core machine: p99 < 250 ms during the burst; drain throughput >= 0.5 x bare Temporal.

    python bench/surge.py [--cases 10000] [--bare-cases N] [--concurrency 64]

The path is a returnless refund (keep_it) of a 25.00 CNY item, under the CN policy's returnless threshold of 30.00:
the policy approves it and the case goes approved -> refund -> completed with no carrier, warehouse or agent
step, so the drain measures the system alone. The orders (charged at the sandbox provider) are made before the
burst and are not timed. The storefront posts with one API key, under the default limits (README "Rate limits":
return creation through the API is counted per key, not per address). The stack is the embedded one
(bench/embedded.py); the baseline's worker runs in this process after the stack has stopped."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributeKey
from temporalio.worker import Worker

from bench.bare import BareWorkflow, noop
from bench.embedded import Deployed, deployed, paid_order, return_request, temporal_env
from bench.lifecycle import activity_counts
from core.rate_limit import RateLimits
from tests.support.stack import await_status
from workflows.contracts import case_workflow_id

AMOUNT = 2_500  # CNY minor units, under the CN returnless threshold (30.00)
P99_GOAL_MS = 250
POLL_S = 1.0  # how often visibility is asked whether a drain is over (its end comes from close times)
STUCK_S = 300  # a drain that closes nothing for this long is reported, not waited for
CASE_STATUS = SearchAttributeKey.for_keyword("CaseStatus")


@dataclass
class Drain:
    """How a set of workflow executions ended, from visibility: the last close time and the outcomes."""

    secs: float  # from the first request (or start) to the last close
    outcomes: Counter[str]  # execution status, and for cases their final CaseStatus
    running: int  # still open when the drain was given up


async def bounded(count: int, concurrency: int, one: Callable[[int], Awaitable[Any]]) -> list[Any]:
    """one(0) .. one(count - 1) with at most `concurrency` in flight, results in order."""
    gate = asyncio.Semaphore(concurrency)

    async def gated(i: int) -> Any:
        async with gate:
            return await one(i)

    return await asyncio.gather(*(gated(i) for i in range(count)))


async def file_returns(stack: Deployed, orders: list[dict[str, Any]], concurrency: int) -> list[tuple[float, int]]:
    """The burst: every return posted as fast as the API takes them; (latency in seconds, status) for each, status 0
    for a transport error (refused, reset, timed out)."""

    async def one(i: int) -> tuple[float, int]:
        order = orders[i]
        began = time.perf_counter()
        try:
            got = await stack.api.post(
                "/api/v1/returns", json=return_request(order, "keep_it"), headers={"Idempotency-Key": order["number"]}
            )
            status = got.status_code
        except httpx.HTTPError:
            status = 0
        return time.perf_counter() - began, status

    return await bounded(len(orders), concurrency, one)


async def drained(client: Client, workflow_type: str, expected: int, since: datetime, *, cases: bool) -> Drain:
    """Wait until visibility shows at least `expected` executions of `workflow_type` started since `since` and none
    of them running; the drain ends at the last one's close time."""
    query = f'WorkflowType="{workflow_type}" AND StartTime >= "{since.isoformat()}"'
    closed, last_change = -1, time.monotonic()
    while True:
        total = (await client.count_workflows(query)).count
        running = (await client.count_workflows(f'{query} AND ExecutionStatus="Running"')).count
        if total - running != closed:
            closed, last_change = total - running, time.monotonic()
        if (running == 0 and total >= expected) or time.monotonic() - last_change > STUCK_S:
            break
        await asyncio.sleep(POLL_S)  # waiting on another process's progress: there is nothing local to await
    outcomes: Counter[str] = Counter()
    last = since
    async for wf in client.list_workflows(query):
        status = wf.status.name.lower() if wf.status else "unknown"
        if cases and wf.status is WorkflowExecutionStatus.COMPLETED:
            status = f"case {wf.typed_search_attributes.get(CASE_STATUS)}"
        outcomes[status] += 1
        if wf.close_time is not None:
            last = max(last, wf.close_time)
    return Drain((last - since).total_seconds(), outcomes, running)


async def bare_drain(client: Client, counts: list[int], n: int, concurrency: int) -> Drain:
    """N bare workflows started like the burst (same concurrency), drained and timed the same way."""
    queue = f"bare-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[BareWorkflow], activities=[noop]):
        since = datetime.now(UTC)

        async def one(i: int) -> None:
            await client.start_workflow(BareWorkflow.run, counts, id=f"bare-{uuid.uuid4()}", task_queue=queue)

        await bounded(n, concurrency, one)
        return await drained(client, "BenchBare", n, since, cases=False)


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


async def bench(cases: int, bare_cases: int, concurrency: int) -> int:
    limits = httpx.Limits(keepalive_expiry=2, max_connections=concurrency, max_keepalive_connections=concurrency)
    per_key = RateLimits().create_key
    async with temporal_env() as env:
        async with deployed(env, case_prefix="S", limits=limits) as stack:
            set_up = time.perf_counter()
            orders = await bounded(cases + 1, concurrency, lambda _: paid_order(stack, prefix="S", amount=AMOUNT))
            set_up_secs = time.perf_counter() - set_up
            # Warm-up (imports, caches, connections in every process), and the case whose history gives the
            # baseline its activity counts.
            warm = await stack.api.post("/api/v1/returns", json=return_request(orders[0], "keep_it"))
            assert warm.status_code == 201 and warm.json()["decision"] == "approve", warm.text
            number = str(warm.json()["number"])
            await await_status(stack.temporal, number, "completed")
            await stack.temporal.get_workflow_handle(case_workflow_id(number)).result()
            acts, local = await activity_counts(env.client, number)

            since = datetime.now(UTC)
            began = time.perf_counter()
            answers = await file_returns(stack, orders[1:], concurrency)
            burst_secs = time.perf_counter() - began
            accepted = sum(status == 201 for _, status in answers)
            drain = await drained(env.client, "ReturnCase", accepted, since, cases=True)
        bare = await bare_drain(env.client, [acts, local], bare_cases, concurrency)

    latencies = [secs * 1000 for secs, _ in answers]
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    mix = ", ".join(f"{'error' if s == 0 else s}: {n}" for s, n in sorted(Counter(s for _, s in answers).items()))
    case_rate, bare_rate = (accepted / drain.secs if drain.secs else 0.0), bare_cases / bare.secs
    completed = drain.outcomes["case completed"]
    ends = dict(sorted(drain.outcomes.items()))
    scale = "" if bare_cases == cases else f" (run at {bare_cases}, not {cases}: throughputs compared)"
    print(f"surge: {cases} returnless refunds (keep_it, {AMOUNT / 100:.2f} CNY), {concurrency} requests in flight")
    print(f"  limit on return creation per API key (default): {per_key.limit} per {per_key.window_s}s")
    print(f"  set-up, not timed: {cases + 1} orders charged at the sandbox and upserted in {set_up_secs:.0f}s")
    print(f"  burst: {cases} POST /api/v1/returns in {burst_secs:.1f}s ({cases / burst_secs:.0f}/s); {mix}")
    print(f"  accepted (201): {accepted / cases:.1%}")
    print(f"  API latency during the burst: p50 {p50:.0f} ms, p99 {p99:.0f} ms (goal p99 < {P99_GOAL_MS} ms)")
    print(f"  drain, first request to last case closed: {drain.secs:.1f}s = {case_rate:.2f} cases/s")
    print(
        f"  cases' ends: {ends}" + (f"; {drain.running} still running after {STUCK_S}s idle" if drain.running else "")
    )
    print(f"  bare Temporal, {acts} activities + {local} local activities each{scale}:")
    print(f"    {bare_cases} workflows drained in {bare.secs:.1f}s = {bare_rate:.2f} workflows/s")
    print(f"  ratio drain / bare throughput: {case_rate / bare_rate:.2f} (goal >= 0.5)")
    print(f"  ratio p99 / {P99_GOAL_MS} ms: {p99 / P99_GOAL_MS:.2f} (goal < 1)")
    return 0 if completed == accepted and not drain.running else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--bare-cases", type=int, default=None, help="baseline workflows (default: --cases)")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight during the burst")
    args = parser.parse_args()
    sys.exit(asyncio.run(bench(args.cases, args.bare_cases or args.cases, args.concurrency)))
