"""The webhook outbox: written with the case change it announces (a rolled-back change sends nothing), one
delivery per subscribed endpoint, signatures a Standard Webhooks receiver accepts across a secret rotation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from core.settings import Settings
from db.models import WebhookDelivery, WebhookMessage
from integrations.standard_webhooks import headers
from services import webhook_endpoints
from services.projection import apply_event
from services.webhook_delivery import signing_secrets
from tests.support.factories import create_case
from workflows.contracts import CaseEventIn


def _approved(seq: int = 2) -> CaseEventIn:
    return CaseEventIn(
        case_number="R-2026-000001", seq=seq, type="approved", actor="policy", at=datetime.now(UTC), status="approved"
    )


async def _rows(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    messages = await session.scalar(select(func.count()).select_from(WebhookMessage))
    deliveries = await session.scalar(select(func.count()).select_from(WebhookDelivery))
    return int(messages or 0), int(deliveries or 0)


async def test_rolled_back_change_leaves_nothing_to_send(sessionmaker, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        await create_case(s)
        await webhook_endpoints.register(
            s, settings, url="https://erp.example/h", events=["*"], description=None, by="t"
        )
        await webhook_endpoints.register(
            s, settings, url="https://crm.example/h", events=["return.cancelled"], description=None, by="t"
        )
        await s.commit()
    async with sessionmaker() as s:
        await apply_event(s, _approved())
        assert await _rows(s) == (1, 1)  # only the endpoint subscribed to return.approved
        await s.rollback()
    async with sessionmaker() as s:
        assert await _rows(s) == (0, 0)
        await apply_event(s, _approved())
        await s.commit()
    async with sessionmaker() as s:
        await apply_event(s, _approved())  # the workflow retried the write: nothing new to announce
        await s.commit()
        message = (await s.scalars(select(WebhookMessage))).one()
        assert (message.type, message.sequence) == ("return.approved", 2)
        assert message.payload["data"]["number"] == "R-2026-000001" and await _rows(s) == (1, 1)


async def test_both_secrets_sign_during_a_rotation(sessionmaker, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    async with sessionmaker() as s:
        endpoint = await webhook_endpoints.register(
            s, settings, url="https://erp.example/h", events=["*"], description=None, by="t"
        )
        old = endpoint.secret
        await webhook_endpoints.rotate(s, settings, endpoint.id, now=now)
        body = json.dumps({"id": "msg_1", "type": "return.created"}).encode()
        signed = headers("msg_1", int(now.timestamp()), body, signing_secrets(endpoint, now))
        assert Webhook(old).verify(body, signed) == {"id": "msg_1", "type": "return.created"}
        assert Webhook(endpoint.secret).verify(body, signed)["id"] == "msg_1"
        later = now + timedelta(seconds=settings.webhook_secret_overlap_s + 1)
        assert signing_secrets(endpoint, later) == [endpoint.secret]  # the overlap is over
