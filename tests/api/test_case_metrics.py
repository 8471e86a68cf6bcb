"""/metrics counts cases by status and the open cases past their SLA, as the database has them at scrape time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from core.settings import Settings
from tests.support.factories import create_case


def _samples(text: str, name: str) -> dict[str, float]:
    """One metric's values by status label."""
    return {
        sample.labels["status"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


async def test_cases_by_status_and_sla_breaches(client: httpx.AsyncClient, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    async with sessionmaker() as s:
        late = await create_case(s, number="R-2026-000001", status="pending_review")
        late.sla_due_at = now - timedelta(hours=1)  # review deadline passed an hour ago
        in_time = await create_case(s, number="R-2026-000002", status="pending_review")
        in_time.sla_due_at = now + timedelta(hours=5)
        await create_case(s, number="R-2026-000003", status="received")
        closed = await create_case(s, number="R-2026-000004", status="completed")
        closed.sla_due_at = now - timedelta(days=3)  # a closed case is not late, whatever its old deadline said
        await s.commit()

    got = await client.get("/metrics")

    assert got.status_code == 200
    assert _samples(got.text, "rebound_cases") == {"pending_review": 2, "received": 1, "completed": 1}
    breached = _samples(got.text, "rebound_sla_breached_cases")
    assert breached == {"pending_review": 1, "received": 0, "completed": 0}


async def test_counts_follow_the_database_between_scrapes(client: httpx.AsyncClient, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        case = await create_case(s, status="received")
        await s.commit()
    assert _samples((await client.get("/metrics")).text, "rebound_cases") == {"received": 1}
    async with sessionmaker() as s:
        moved = await s.merge(case)
        moved.status, moved.escalated = "inspected", True  # escalated: breached without a deadline passing
        await s.commit()
    text = (await client.get("/metrics")).text
    assert _samples(text, "rebound_cases") == {"inspected": 1}
    assert _samples(text, "rebound_sla_breached_cases") == {"inspected": 1}


async def test_without_the_database_metrics_still_answer(settings: Settings) -> None:
    broken = Settings(**{**settings.model_dump(), "database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"})
    app = create_app(broken)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        await c.get("/healthz")
        got = await c.get("/metrics")
    assert got.status_code == 200
    assert "rebound_http_requests_total" in got.text and "rebound_cases" not in got.text
