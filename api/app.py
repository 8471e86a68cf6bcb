"""FastAPI app factory: resources in the lifespan, routers, error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.json import auth, health, orders, webhooks
from api.middleware import BodyLimit, Metrics
from api.resources import Resources
from core import temporal
from core.settings import Settings
from db.session import create_engine, create_sessionmaker


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        # Lazy: the API starts (and /healthz reports 503) even while Temporal is still coming up.
        client = await temporal.connect(settings, lazy=True)
        app.state.resources = Resources(settings, engine, create_sessionmaker(engine), client)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="Rebound",
        version="0.1.0",
        lifespan=lifespan,
        description="Returns and after-sales engine: JSON API (/api/v1) and pages.",
    )
    errors.install(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(orders.router)
    app.include_router(webhooks.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Metrics)
    return app
