"""WebhookDeliveryWorkflow: one event to one merchant endpoint, retried with exponential backoff for up to three
days, then given up (the endpoint's admins are told). Durable across worker and server restarts."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import WebhookSend, WebhookSent

GIVE_UP_AFTER = timedelta(days=3)
FIRST_RETRY = timedelta(seconds=5)
LONGEST_WAIT = timedelta(hours=12)
# The HTTP call itself is bounded by the activity's own timeout; a failing database is retried by Temporal.
ACTIVITY_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


def backoff(attempt: int) -> timedelta:
    """5 s, 10 s, 20 s, ... doubling after each failed attempt, at most 12 hours apart."""
    wait: timedelta = FIRST_RETRY * 2 ** (attempt - 1)
    return min(wait, LONGEST_WAIT)


@workflow.defn(name="WebhookDelivery")
class WebhookDeliveryWorkflow:
    @workflow.run
    async def run(self, delivery_id: int) -> str:
        started = workflow.now()
        attempt = 0
        while True:
            attempt += 1
            sent: WebhookSent = await workflow.execute_activity(
                "webhooks.send",
                WebhookSend(delivery_id=delivery_id, attempt=attempt),
                result_type=WebhookSent,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=RETRY,
            )
            if sent.done:
                return sent.status
            wait = backoff(attempt)
            if workflow.now() + wait - started > GIVE_UP_AFTER:
                break
            await workflow.sleep(wait)
        await workflow.execute_activity(
            "webhooks.give_up", delivery_id, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RETRY
        )
        return "failed"
