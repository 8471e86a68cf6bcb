"""/healthz reports each dependency; /metrics speaks Prometheus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from temporalio.client import Client

from api.app import create_app
from core.settings import Settings


@asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def _with(settings: Settings, **changes: object) -> Settings:
    return Settings(**{**settings.model_dump(), **changes})


async def test_healthy_when_database_and_temporal_answer(settings: Settings, temporal_client: Client) -> None:
    target = temporal_client.service_client.config.target_host
    async with _client(_with(settings, temporal_address=target)) as c:
        got = await c.get("/healthz")
    assert got.status_code == 200, got.text
    assert got.json() == {"status": "ok", "database": "ok", "temporal": "ok"}


async def test_503_names_temporal_when_it_is_down(settings: Settings) -> None:
    async with _client(_with(settings, temporal_address="127.0.0.1:1")) as c:
        got = await c.get("/healthz")
    assert got.status_code == 503
    body = got.json()
    assert body["database"] == "ok"
    assert body["temporal"].startswith("error")


async def test_503_names_the_database_when_it_is_down(settings: Settings, temporal_client: Client) -> None:
    target = temporal_client.service_client.config.target_host
    broken = _with(
        settings,
        temporal_address=target,
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
    )
    async with _client(broken) as c:
        got = await c.get("/healthz")
    assert got.status_code == 503
    assert got.json()["database"].startswith("error")
    assert got.json()["temporal"] == "ok"


async def test_metrics_count_requests(client: httpx.AsyncClient) -> None:
    await client.get("/api/v1/orders/NOPE")
    got = await client.get("/metrics")
    assert got.status_code == 200
    assert 'rebound_http_requests_total{method="GET",route="/api/v1/orders/{number}",status="404"}' in got.text
