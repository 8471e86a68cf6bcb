"""The worker's JSON log lines name the case they are about."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from temporalio.client import Client

from core.settings import Settings
from tests.support.logs import JsonLines, json_lines
from tests.support.stack import Stack, running_stack


@pytest.fixture
def log() -> Iterator[JsonLines]:
    with json_lines() as captured:
        yield captured


async def test_an_activitys_log_lines_carry_the_case_number(stack: Stack, log: JsonLines) -> None:
    created = await stack.open_return(await stack.order())
    number = created.json()["number"]
    await stack.reach(number, "awaiting_shipment")

    recorded = [line for line in log.lines("temporalio.activity") if line.get("case") == number]
    assert "recorded approved (event 2)" in [line["message"] for line in recorded]  # the policy approved it
    first = recorded[0]
    assert first["level"] == "INFO"
    assert first["temporal_activity"]["activity_type"] == "cases.record_event"
    assert first["timestamp"].endswith("+00:00")


async def test_a_workflows_escalation_names_its_case(
    e2e_settings: Settings, temporal_client: Client, skipping_client: Client, log: JsonLines
) -> None:
    # Started through the time-skipping client: the 48 h review SLA passes at once.
    async with running_stack(e2e_settings, temporal_client, api_temporal=skipping_client) as stack:
        number = (await stack.open_return(await stack.order(), reason="other")).json()["number"]
        await stack.reach(number, "pending_review")
        for _ in range(100):
            escalated = [line for line in log.lines("temporalio.workflow") if line.get("case") == number]
            if escalated:
                break
            await asyncio.sleep(0.2)
    assert [(e["level"], e["message"]) for e in escalated] == [("WARNING", "escalated: review_sla_breached")]
    assert escalated[0]["temporal_workflow"]["workflow_type"] == "ReturnCase"
