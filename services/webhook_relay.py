"""The outbox relay: hands each new delivery to its own durable delivery workflow (exactly one per delivery,
even with several relays or a crash between starting and marking)."""

from __future__ import annotations

import contextlib

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from db.repositories.webhooks import mark_dispatched, pending_deliveries
from workflows.contracts import webhook_delivery_workflow_id


async def relay_once(
    client: Client, sessionmaker: async_sessionmaker[AsyncSession], task_queue: str, *, limit: int = 200
) -> int:
    """Start the delivery workflow of every pending delivery; returns how many were handed over."""
    async with sessionmaker() as session:
        pending = await pending_deliveries(session, limit)
    started: list[int] = []
    for delivery_id, message_id, endpoint_id, resends in pending:  # no transaction is held across these calls
        with contextlib.suppress(WorkflowAlreadyStartedError):  # delivered before: never again
            await client.start_workflow(
                "WebhookDelivery",
                delivery_id,
                id=webhook_delivery_workflow_id(message_id, endpoint_id, resends),
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        started.append(delivery_id)
    if started:
        async with sessionmaker() as session:
            await mark_dispatched(session, started)
            await session.commit()
    return len(started)
