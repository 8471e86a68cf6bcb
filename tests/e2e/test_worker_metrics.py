"""The worker's Prometheus endpoint (REBOUND_WORKER_METRICS_ADDRESS): the Temporal SDK's activity failures,
our retry count, and the refund latency observed when the refund is recorded."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client

from core import metrics
from core.settings import Settings
from tests.support.postgres import free_port
from tests.support.stack import running_stack


async def _value(scrape: httpx.AsyncClient, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels` (0 when there are none yet)."""
    text = (await scrape.get("/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


async def _until_counted(scrape: httpx.AsyncClient, name: str, **labels: str) -> None:
    for _ in range(150):  # the SDK's counters are read as the worker has them: within 30 s
        if await _value(scrape, name, **labels):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{name} {labels} never counted")


async def test_failures_retries_and_refund_latency(e2e_settings: Settings, temporal_client: Client) -> None:
    settings = e2e_settings.model_copy(update={"worker_metrics_address": f"127.0.0.1:{free_port()}"})
    runtime = metrics.worker_runtime(settings)
    target = temporal_client.service_client.config.target_host
    client = await Client.connect(target, data_converter=temporal_client.data_converter, runtime=runtime)
    label = {"activity_type": "shipping.create_label"}
    async with (
        running_stack(settings, client) as stack,
        httpx.AsyncClient(base_url=f"http://{settings.worker_metrics_address}") as scrape,
    ):
        # The carrier is down when the label is first asked for; back up once that attempt has failed.
        down = {"carrier": {"error_rate": 1.0, "error_commit_rate": 0.0}}
        assert (await stack.sandbox.put("/faults", json=down)).status_code == 200
        number = (await stack.open_return(await stack.order())).json()["number"]
        await _until_counted(scrape, "temporal_activity_execution_failed_total", **label)
        assert (await stack.sandbox.delete("/faults")).status_code == 200

        await stack.through_to_refund(number)

        assert await _value(scrape, "temporal_activity_execution_failed_total", **label) >= 1
        assert await _value(scrape, f"{metrics.ACTIVITY_RETRIES}_total", **label) >= 1
        assert await _value(scrape, f"{metrics.ACTIVITY_RETRIES}_total", activity_type="cases.record_event") == 0
        assert await _value(scrape, f"{metrics.REFUND_LATENCY}_count") == 1
        waited = await _value(scrape, f"{metrics.REFUND_LATENCY}_sum")
        assert 0 < waited < 300  # filed and refunded within this test
        assert await _value(scrape, f"{metrics.REFUND_LATENCY}_bucket", le="3600") == 1
