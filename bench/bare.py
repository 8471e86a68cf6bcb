"""The bare-Temporal baseline: a workflow running N no-op activities and M no-op local activities."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="bench.noop")
async def noop(n: int) -> int:
    return n


@workflow.defn(name="BenchBare")
class BareWorkflow:
    """As many activities and local activities as one return case runs, doing nothing."""

    @workflow.run
    async def run(self, counts: list[int]) -> int:
        activities, local = counts
        for i in range(local):
            await workflow.execute_local_activity(noop, i, start_to_close_timeout=timedelta(seconds=10))
        for i in range(activities):
            await workflow.execute_activity(noop, i, start_to_close_timeout=timedelta(seconds=10))
        return activities + local
