"""Inside an activity, any logger's lines name the case whose workflow runs it (ObservedActivities)."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from core.interceptors import ObservedActivities
from tests.support.logs import json_lines
from workflows.contracts import refund_workflow_id


@activity.defn(name="test.call_partner")
async def call_partner() -> None:
    logging.getLogger("rebound.test.partner").info("asked the partner")  # a plain logger: no Temporal details


@workflow.defn(name="CallsPartner")
class CallsPartner:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(call_partner, start_to_close_timeout=timedelta(seconds=10))


async def test_a_plain_loggers_line_inside_an_activity_names_the_case(temporal_client: Client) -> None:
    number = f"T{uuid.uuid4().hex[:7].upper()}-2026-000001"
    with json_lines() as log:
        await _run(temporal_client, number)
    [line] = log.lines("rebound.test.partner")
    assert line["case"] == number and line["message"] == "asked the partner"


async def _run(temporal_client: Client, number: str) -> None:
    queue = f"interceptors-{uuid.uuid4().hex[:8]}"
    async with Worker(
        temporal_client,
        task_queue=queue,
        workflows=[CallsPartner],
        activities=[call_partner],
        interceptors=[ObservedActivities()],
        workflow_runner=UnsandboxedWorkflowRunner(),  # the test module is no workflow module
    ):
        await temporal_client.execute_workflow(CallsPartner.run, id=refund_workflow_id(number, 1), task_queue=queue)
