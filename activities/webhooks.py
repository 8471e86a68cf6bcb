"""Outbound webhook activities: one signed attempt at a time, and giving up after the backoff."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from core.settings import Settings
from services import webhook_delivery
from workflows.contracts import WebhookSend, WebhookSent


class WebhookActivities:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, settings: Settings
    ) -> None:
        self.sessionmaker, self.client, self.settings = sessionmaker, client, settings

    @activity.defn(name="webhooks.send")
    async def send(self, send: WebhookSend) -> WebhookSent:
        """POST the event to the merchant's endpoint (a few seconds at most); log the attempt."""
        outcome = await webhook_delivery.attempt(
            self.sessionmaker, self.client, self.settings, send.delivery_id, send.attempt, now=datetime.now(UTC)
        )
        return WebhookSent(done=outcome.done, status=outcome.status, status_code=outcome.status_code)

    @activity.defn(name="webhooks.give_up")
    async def give_up(self, delivery_id: int) -> None:
        """Mark the delivery failed after three days; tell the admins; switch off an endpoint that keeps failing."""
        await webhook_delivery.give_up(self.sessionmaker, self.settings, delivery_id, now=datetime.now(UTC))
