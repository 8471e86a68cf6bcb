"""Worker interceptor: every activity logs with its case number and counts its retries."""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from core import metrics
from core.logging import case_context, case_in


class _ObservedActivity(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        if info.attempt > 1:
            metrics.count_retry()
        # Any logger used inside (services, integrations) then carries the case the workflow is about.
        with case_context(case_in(info.workflow_id or "")):
            return await self.next.execute_activity(input)


class ObservedActivities(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ObservedActivity(next)
