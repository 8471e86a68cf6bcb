"""OpenTelemetry traces: one trace from an API request through the workflow it starts, signals or updates to
the activities that workflow runs (temporalio's TracingInterceptor carries the context in Temporal headers)."""

from __future__ import annotations

from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Tracer
from temporalio.contrib.opentelemetry import TracingInterceptor

from core.settings import Settings


def tracer(service: str, exporter: SpanExporter, *, batch: bool = True) -> Tracer:
    """A tracer whose spans go to `exporter`; `batch=False` exports each span as it ends (tests read them)."""
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    return provider.get_tracer("rebound")


def from_settings(settings: Settings, service: str) -> Tracer | None:
    """The tracer REBOUND_TRACE_EXPORTER asks for; None when tracing is off (the default)."""
    if settings.trace_exporter == "console":
        return tracer(service, ConsoleSpanExporter(service_name=service))
    return None


def interceptors(trace: Tracer | None) -> list[TracingInterceptor]:
    """The Temporal client interceptors for `trace`; they apply to workers built on that client too."""
    return [TracingInterceptor(trace)] if trace is not None else []
