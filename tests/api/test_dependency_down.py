"""A database that is down (restarting, failing over) is a 503 the caller may retry, never a 500."""

from __future__ import annotations

import httpx

from api.app import create_app
from core.settings import Settings
from tests.support.html import post_form
from tests.support.postgres import free_port


async def test_database_down_answers_503_in_json_and_on_pages(tmp_path) -> None:
    closed = free_port()  # nothing listens here
    settings = Settings(
        env="test",
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{closed}/rebound",
        var_dir=tmp_path,
        temporal_address="127.0.0.1:1",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # as a server would: log, then answer
        async with httpx.AsyncClient(transport=transport, base_url="http://rebound.test") as client:
            api = await client.get("/api/v1/orders/ANY-1", headers={"Authorization": "Bearer rk_whatever"})
            assert api.status_code == 503 and api.json()["error"] == "unavailable"
            assert api.headers["retry-after"] == "5"
            page = await post_form(client, "/returns", "/returns", {"order_number": "X", "contact": "a@example.com"})
            assert page.status_code == 503 and "We are busy for a moment" in page.text
            health = await client.get("/healthz")
            assert health.status_code == 503 and health.json()["database"] != "ok"
