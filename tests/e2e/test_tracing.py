"""One trace from the API request that files a return, through the workflow it starts, to its activities."""

from __future__ import annotations

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client

from core import tracing
from core.settings import Settings
from tests.support.stack import running_stack


async def test_api_request_workflow_and_activity_share_one_trace(
    e2e_settings: Settings, temporal_client: Client
) -> None:
    exporter = InMemorySpanExporter()
    tracer = tracing.tracer("rebound-test", exporter, batch=False)
    config = temporal_client.config()
    config["interceptors"] = tracing.interceptors(tracer)
    traced = Client(**config)
    async with running_stack(e2e_settings, traced, tracer=tracer) as stack:
        order = await stack.order()
        created = await stack.open_return(order)
        assert created.status_code == 201, created.text
        await stack.reach(created.json()["number"], "awaiting_shipment")

    spans = exporter.get_finished_spans()
    [request] = [s for s in spans if s.name == "POST /api/v1/returns"]
    assert request.context is not None
    in_trace = {s.name for s in spans if s.context is not None and s.context.trace_id == request.context.trace_id}
    expected = {
        "StartWorkflow:ReturnCase",
        "RunWorkflow:ReturnCase",
        "StartActivity:cases.record_event",
        "RunActivity:cases.record_event",
        "RunActivity:shipping.create_label",
    }
    assert expected <= in_trace, sorted(in_trace)
    assert request.attributes is not None and request.attributes["http.response.status_code"] == 201
