"""RefundWorkflow: pays one planned refund, part by part, exactly once per idempotency key."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        ProviderRefund,
        ProviderRefundEvent,
        RefundOutcome,
        RefundPart,
        RefundPlan,
        RefundUpdate,
    )

# Transient provider trouble is retried for as long as it lasts, with the same key: the provider answers a
# repeat with the first refund. Permanent refusals raise non-retryable errors from the activity.
PROVIDER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(minutes=5)
)
WEBHOOK_GRACE = timedelta(minutes=10)  # then ask the provider directly: webhooks can be lost


@workflow.defn(name="Refund")
class RefundWorkflow:
    def __init__(self) -> None:
        self.events: dict[str, ProviderRefundEvent] = {}

    @workflow.signal(name="provider_event")
    def provider_event(self, event: ProviderRefundEvent) -> None:
        """The provider's webhook (already verified); a duplicate or late one changes nothing."""
        self.events.setdefault(event.idempotency_key, event)

    @workflow.run
    async def run(self, plan: RefundPlan) -> RefundOutcome:
        results = [await self._pay(part) for part in plan.parts]
        return RefundOutcome(plan=plan, results=results)

    async def _pay(self, part: RefundPart) -> RefundUpdate:
        if not part.via_provider:
            # Gift cards, points and store credit are balances this merchant holds: re-crediting is a ledger entry.
            return RefundUpdate(idempotency_key=part.idempotency_key, status="succeeded")
        created: ProviderRefund = await workflow.execute_activity(
            "payments.create_refund",
            part,
            result_type=ProviderRefund,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=PROVIDER_RETRY,
        )
        status, reason = created.status, created.failure_reason
        while status == "pending":
            key = part.idempotency_key
            try:
                await workflow.wait_condition(lambda k=key: k in self.events, timeout=WEBHOOK_GRACE)  # type: ignore[misc]
                event = self.events[key]
                status, reason = event.status, event.failure_reason
            except TimeoutError:
                polled: ProviderRefund = await workflow.execute_activity(
                    "payments.get_refund",
                    created.id,
                    result_type=ProviderRefund,
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=PROVIDER_RETRY,
                )
                status, reason = polled.status, polled.failure_reason
        return RefundUpdate(
            idempotency_key=part.idempotency_key, status=status, provider_refund_id=created.id, failure_reason=reason
        )
