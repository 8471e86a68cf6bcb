"""Outbound webhooks end to end: every event of a case's path reaches the merchant's endpoint once per
webhook-id, verified by the Standard Webhooks reference library; failures are retried (time skipped); a hanging
receiver delays neither the case nor another endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import Client

from core.settings import Settings
from db.models import MailOutbox
from tests.support.stack import Stack, running_stack
from tests.support.webhook_receiver import Receiver, Receivers, delivery_outcomes

PATH = [
    "return.created",
    "return.approved",
    "return.label_issued",
    "return.in_transit",
    "return.received",
    "return.inspected",
    "refund.succeeded",
    "return.completed",
]


@pytest.fixture
def receivers() -> Receivers:
    return Receivers(Receiver("erp.test"), Receiver("helpdesk.test"))


@pytest.fixture
async def wired(
    e2e_settings: Settings, temporal_client: Client, skipping_client: Client, receivers: Receivers
) -> AsyncIterator[Stack]:
    """The stack with deliveries started on the time-skipping client (a backoff of hours passes at once) and
    receivers cut off after one second (the production default is a few seconds)."""
    settings = e2e_settings.model_copy(update={"webhook_timeout_s": 1.0, "webhook_relay_interval_s": 0.1})
    async with running_stack(
        settings, temporal_client, api_temporal=skipping_client, webhook_client=receivers.client
    ) as running:
        yield running


async def register(stack: Stack, receiver: Receiver, events: list[str] | None = None) -> dict[str, Any]:
    got = await stack.api.post(
        "/api/v1/webhook-endpoints", json={"url": receiver.url, "events": events or ["*"], "description": "ERP"}
    )
    assert got.status_code == 201, got.text
    receiver.secret = got.json()["secret"]
    assert receiver.secret.startswith("whsec_")
    return dict(got.json())


async def refunded_case(stack: Stack) -> str:
    order = await stack.order(amount=8_800)
    number = str((await stack.open_return(order)).json()["number"])
    await stack.through_to_refund(number)
    return number


async def test_every_event_of_the_refund_path_arrives_once_verified(wired: Stack, receivers: Receivers) -> None:
    erp = receivers.by_host["erp.test"]
    await register(wired, erp)
    number = await refunded_case(wired)
    await erp.wait_for(len(PATH))
    assert await delivery_outcomes(wired.temporal, erp, 1) == {"succeeded"}
    # Deliveries run side by side, so arrival order is not guaranteed: the case's sequence orders them.
    assert [e["type"] for e in sorted(erp.events, key=lambda e: e["data"]["sequence"])] == PATH
    assert set(erp.ids.values()) == {1}  # exactly once per webhook-id
    assert erp.refused == 0 and all(e["data"]["number"] == number for e in erp.events)
    refund = next(e for e in erp.events if e["type"] == "refund.succeeded")
    assert refund["data"]["amount"] == {"amount": 8_800, "currency": "CNY"}
    assert not any(k in e["data"] for e in erp.events for k in ("address", "phone", "ship_to", "email"))
    log = await wired.api.get("/api/v1/webhook-endpoints/1/deliveries")
    assert log.status_code == 200
    assert {d["status"] for d in log.json()} == {"succeeded"}
    assert all(d["attempts"][0]["status_code"] == 200 for d in log.json())


async def test_failing_receiver_gets_everything_after_backoff(wired: Stack, receivers: Receivers) -> None:
    erp = receivers.by_host["erp.test"]
    erp.script = [500, 500, "down", 503] * 3  # the first dozen attempts fail one way or another
    await register(wired, erp, ["return.created", "return.approved", "return.label_issued"])
    order = await wired.order()
    number = (await wired.open_return(order)).json()["number"]
    await wired.reach(number, "awaiting_shipment")
    await erp.wait_for(3, timeout_s=90)
    assert sorted(erp.types()) == ["return.approved", "return.created", "return.label_issued"]
    assert set(erp.ids.values()) == {1}
    log = (await wired.api.get("/api/v1/webhook-endpoints/1/deliveries")).json()
    assert sum(len(d["attempts"]) for d in log) == 12 + 3
    failed_attempts = [a for d in log for a in d["attempts"] if a["status_code"] != 200]
    assert {a["status_code"] for a in failed_attempts} == {500, 503, None}


async def test_nothing_is_lost_when_the_worker_restarts_while_the_receiver_is_down(
    wired: Stack, receivers: Receivers
) -> None:
    erp = receivers.by_host["erp.test"]
    erp.script = [500, "down", "down", 503, "down", 500]  # the receiver fails, then is down across the restart
    await register(wired, erp, ["return.created", "return.approved", "return.label_issued"])
    number = (await wired.open_return(await wired.order())).json()["number"]
    async with asyncio.timeout(60):
        await erp.called.wait()  # deliveries are under way, failing
    assert wired.worker is not None
    await wired.worker.restart()  # the worker process dies mid-backoff and comes back
    await wired.reach(number, "awaiting_shipment")
    await erp.wait_for(3, timeout_s=90)
    assert await delivery_outcomes(wired.temporal, erp, 1) == {"succeeded"}
    assert sorted(erp.types()) == ["return.approved", "return.created", "return.label_issued"]
    assert set(erp.ids.values()) == {1}  # none lost, none twice
    log = (await wired.api.get("/api/v1/webhook-endpoints/1/deliveries")).json()
    assert all(d["status"] == "succeeded" and d["attempts"][-1]["status_code"] == 200 for d in log)
    failed = [a["status_code"] for d in log for a in d["attempts"][:-1]]
    # An attempt the restart cut short is tried again, not logged: at most the six the receiver refused.
    assert set(failed) <= {500, 503, None} and 0 < len(failed) <= 6


async def test_hanging_receiver_delays_neither_the_case_nor_another_endpoint(
    wired: Stack, receivers: Receivers
) -> None:
    stuck, helpdesk = receivers.by_host["erp.test"], receivers.by_host["helpdesk.test"]
    stuck.script = ["hang"] * 50
    await register(wired, stuck)
    await register(wired, helpdesk)
    await refunded_case(wired)  # the case itself never waits on a receiver
    await helpdesk.wait_for(len(PATH))
    assert sorted(helpdesk.types()) == sorted(PATH)
    assert stuck.hung >= 1 and stuck.events == []
    # The stuck endpoint's first attempt may still be hanging when the helpdesk has everything: its log line
    # is written once the sender gives up (1 s), so wait for that, then for the row it writes right after.
    async with asyncio.timeout(30):
        await stuck.abandoned.wait()
        errors: set[str | None] = set()
        while not errors:
            log = (await wired.api.get("/api/v1/webhook-endpoints/1/deliveries")).json()
            errors = {a["error"] for d in log for a in d["attempts"]}
            if not errors:
                await asyncio.sleep(0.05)  # the attempt row follows the give-up; no event announces its commit
    assert errors == {"no answer within 1 s"}


@pytest.fixture
async def strict(
    e2e_settings: Settings, temporal_client: Client, skipping_client: Client, receivers: Receivers
) -> AsyncIterator[Stack]:
    """As `wired`, with an endpoint switched off after its first delivery given up."""
    settings = e2e_settings.model_copy(
        update={"webhook_timeout_s": 1.0, "webhook_relay_interval_s": 0.1, "webhook_disable_after": 1}
    )
    async with running_stack(
        settings, temporal_client, api_temporal=skipping_client, webhook_client=receivers.client
    ) as running:
        yield running


async def test_three_days_of_failure_give_up_tell_the_admins_and_resend_works(
    strict: Stack, receivers: Receivers
) -> None:
    erp = receivers.by_host["erp.test"]
    erp.script = [500] * 40
    await register(strict, erp, ["return.created"])
    order = await strict.order()
    number = (await strict.open_return(order)).json()["number"]
    handle = strict.temporal.get_workflow_handle(f"webhook-msg_{number}_1-to-1")
    async with asyncio.timeout(120):
        await erp.called.wait()  # the delivery workflow exists once the receiver was first called
        assert await handle.result() == "failed"  # three (skipped) days of backoff
    [delivery] = (await strict.api.get("/api/v1/webhook-endpoints/1/deliveries")).json()
    assert delivery["status"] == "failed" and len(delivery["attempts"]) >= 15
    run = await handle.describe()  # the workflow's own (skipped) clock: how long it kept trying
    assert run.close_time and timedelta(days=2) < run.close_time - run.start_time <= timedelta(days=3)
    [endpoint] = (await strict.api.get("/api/v1/webhook-endpoints")).json()
    assert endpoint["enabled"] is False and "failed" in endpoint["disabled_reason"]
    async with strict.sessionmaker() as s:
        mail = (await s.scalars(select(MailOutbox).where(MailOutbox.template == "webhook_failed"))).one()
        assert mail.to_address == strict.settings.admin_email and mail.context["webhook_id"] == f"msg_{number}_1"
    erp.script = []  # the receiver is fixed
    assert (await strict.api.post("/api/v1/webhook-endpoints/1/enable")).status_code == 200
    assert (await strict.api.post(f"/api/v1/webhook-deliveries/{delivery['id']}/resend")).status_code == 202
    await erp.wait_for(1)
    assert erp.types() == ["return.created"] and erp.events[0]["id"] == f"msg_{number}_1"  # the same webhook-id
