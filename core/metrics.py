"""Prometheus metrics beyond the HTTP ones (api/middleware.py).

- The API's /metrics adds cases by status and SLA breaches, counted from the database at scrape time (one
  GROUP BY): every API replica answers the same figures, and nothing is lost when a process restarts.
- The worker serves its own endpoint (REBOUND_WORKER_METRICS_ADDRESS) through the Temporal SDK's runtime: the
  SDK's metrics (activity failures and latencies, workflow task latencies, ...) and ours recorded through the
  activity's metric meter: refund latency (observed where the refund is recorded) and activity retries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from temporalio import activity
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from core.settings import Settings

REFUND_LATENCY = "rebound_refund_latency_seconds"
ACTIVITY_RETRIES = "rebound_activity_retries"
_HOUR, _DAY = 3600.0, 86400.0
# From asking to money back takes hours to weeks (the parcel travels first): buckets on that scale.
REFUND_BUCKETS = [_HOUR, 6 * _HOUR, _DAY, 2 * _DAY, 3 * _DAY, 5 * _DAY, 7 * _DAY, 10 * _DAY, 14 * _DAY, 21 * _DAY,
                  30 * _DAY, 60 * _DAY]  # fmt: skip


class _CaseCounts(Collector):
    def __init__(self, rows: Iterable[tuple[str, int, int]]) -> None:
        self.rows = list(rows)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        cases = GaugeMetricFamily("rebound_cases", "Return cases by status", labels=["status"])
        breached = GaugeMetricFamily(
            "rebound_sla_breached_cases",
            "Open cases past their SLA deadline or escalated, by status",
            labels=["status"],
        )
        for status, total, late in self.rows:
            cases.add_metric([status], total)
            breached.add_metric([status], late)
        yield cases
        yield breached


def case_exposition(rows: Iterable[tuple[str, int, int]]) -> bytes:
    """Prometheus text for (status, cases, breached) rows, as counted just now."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_CaseCounts(rows))
    return generate_latest(registry)


def worker_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime serving Prometheus metrics at REBOUND_WORKER_METRICS_ADDRESS; None when that is empty."""
    if not settings.worker_metrics_address:
        return None
    prometheus = PrometheusConfig(
        bind_address=settings.worker_metrics_address,
        counters_total_suffix=True,  # Prometheus' convention: temporal_activity_execution_failed_total
        durations_as_seconds=True,
        histogram_bucket_overrides={REFUND_LATENCY: REFUND_BUCKETS},
    )
    return Runtime(telemetry=TelemetryConfig(metrics=prometheus))


def record_refund_latency(seconds: float) -> None:
    """In an activity: a refund was issued `seconds` after the customer asked for it."""
    histogram = activity.metric_meter().create_histogram_float(
        REFUND_LATENCY, "Seconds from a return request to its refund or store credit", "s"
    )
    histogram.record(seconds)


def count_retry() -> None:
    """In an activity: this attempt is a retry (attempt 2 or later); the meter labels it with the activity type,
    namespace and task queue."""
    counter = activity.metric_meter().create_counter(ACTIVITY_RETRIES, "Activity attempts after the first")
    counter.add(1)
