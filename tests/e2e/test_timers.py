"""Timers from the case's policy snapshot, with time skipped on the real dev server (no shortened rules)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import select
from temporalio.client import Client

from core.settings import Settings
from db.models import MailOutbox
from tests.support.stack import Stack, running_stack
from workflows.contracts import case_workflow_id


@pytest.fixture
async def skipping_stack(
    e2e_settings: Settings, temporal_client: Client, skipping_client: Client
) -> AsyncIterator[Stack]:
    """Cases are started through the time-skipping client: whenever a case only waits for a timer, the server
    moves its clock forward."""
    async with running_stack(e2e_settings, temporal_client, api_temporal=skipping_client) as running:
        yield running


async def test_unshipped_return_is_reminded_then_cancelled_at_the_ship_by_deadline(skipping_stack: Stack) -> None:
    stack = skipping_stack
    order = await stack.order()
    number = (await stack.open_return(order)).json()["number"]
    await stack.reach(number, "cancelled")
    case = await stack.case(number)
    events = {e["type"]: e for e in case["timeline"]}
    issued, reminded, cancelled = events["label_issued"], events["ship_by_reminder"], events["cancelled"]
    assert cancelled["actor"] == "system" and cancelled["data"]["reason"] == "ship_by_deadline_passed"
    at = {k: datetime.fromisoformat(v["at"]) for k, v in {"i": issued, "r": reminded, "c": cancelled}.items()}
    # CN policy: ship within 14 days, reminded 3 days before.
    assert round((at["r"] - at["i"]).total_seconds() / 86_400) == 11
    assert round((at["c"] - at["i"]).total_seconds() / 86_400) == 14
    tracking = case["shipments"][0]["tracking_number"]
    assert (await stack.sandbox.get(f"/carrier/shipments/{tracking}")).json()["status"] == "voided"


async def test_review_sla_breach_escalates_and_the_agent_can_still_act(skipping_stack: Stack) -> None:
    stack = skipping_stack
    order = await stack.order()
    number = (await stack.open_return(order, reason="other")).json()["number"]
    await stack.reach(number, "pending_review")
    agent = await stack.staff("agent")
    breached = await _wait_escalated(stack, number)
    assert breached["escalated"] is True
    async with stack.sessionmaker() as s:  # the supervisors are told, in the escalation's transaction
        told = (await s.scalars(select(MailOutbox).where(MailOutbox.template == "sla_breached"))).all()
    assert [m.to_address for m in told if m.context["case_number"] == number] == [stack.settings.admin_email]
    queue = await stack.api.get("/api/v1/returns", params={"sla": "breached"}, headers=agent)
    assert number in [c["number"] for c in queue.json()["items"]]
    approved = await stack.api.post(f"/api/v1/returns/{number}/approve", json={"reason": "late, sorry"}, headers=agent)
    assert approved.status_code == 200, approved.text
    assert approved.json()["escalated"] is False


async def _wait_escalated(stack: Stack, number: str) -> dict:  # type: ignore[type-arg]
    handle = stack.temporal.get_workflow_handle(case_workflow_id(number))
    # The review SLA (48 h) passes on the skipped clock; the escalation is an event in the workflow's history.
    async for event in handle.fetch_history_events(wait_new_event=True):
        if event.HasField("marker_recorded_event_attributes"):
            case = await stack.case(number)
            if case["escalated"]:
                return case
    raise AssertionError("the workflow ended without escalating")
