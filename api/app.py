"""FastAPI app factory: resources in the lifespan, routers, error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from opentelemetry.trace import Tracer
from starlette.middleware.sessions import SessionMiddleware
from temporalio.client import Client

from api import errors, openapi
from api.json import (
    audit_log,
    auth,
    claims,
    codec,
    compensation,
    customs,
    finance,
    finance_reports,
    health,
    orders,
    privacy,
    products,
    returns,
    webhook_endpoints,
    webhooks,
)
from api.middleware import BodyLimit, CaseLogs, Metrics, SecurityHeaders, Tracing
from api.resources import Resources
from api.web import finance as finance_pages
from api.web import portal, signin, workspace
from api.web.pages import TEMPLATES, Pages
from core import temporal, tracing
from core.settings import Settings
from db.session import create_engine, create_sessionmaker
from integrations.carriers import Carrier, HttpCarrier
from services.policies import load_policy


def create_app(
    settings: Settings | None = None,
    *,
    temporal_client: Client | None = None,
    carrier: Carrier | None = None,
    tracer: Tracer | None = None,
) -> FastAPI:
    """The app; `temporal_client`, `carrier` and `tracer` replace the ones built from settings (tests inject
    theirs; an injected client brings its own tracing interceptor)."""
    settings = settings or Settings()
    tracer = tracer or tracing.from_settings(settings, "rebound-api")
    policy = load_policy(settings.policy_file)  # a broken policy file stops start-up here, with the reason

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        # Lazy: the API starts (and /healthz reports 503) even while Temporal is still coming up.
        client = temporal_client or await temporal.connect(settings, lazy=True, tracer=tracer)
        own_carrier = HttpCarrier(settings.sandbox_url)  # unused when a carrier is injected; closed either way
        app.state.resources = Resources(
            settings,
            engine,
            create_sessionmaker(engine),
            policy,
            client,
            Pages(settings.display_timezone),
            carrier or own_carrier,
        )
        try:
            yield
        finally:
            await own_carrier.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Rebound",
        version="0.1.0",
        lifespan=lifespan,
        description="Returns and after-sales engine: JSON API (/api/v1) and pages.",
    )
    errors.install(app)
    openapi.install(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(codec.router)
    app.include_router(privacy.router)
    app.include_router(audit_log.router)
    app.include_router(orders.router)
    app.include_router(products.router)
    app.include_router(returns.router)
    app.include_router(compensation.router)
    app.include_router(customs.router)
    app.include_router(customs.drawbacks)
    app.include_router(claims.router)
    app.include_router(webhooks.router)
    app.include_router(webhook_endpoints.router)
    app.include_router(finance.router)
    app.include_router(finance_reports.router)
    app.include_router(finance_pages.router)
    app.include_router(signin.router)
    app.include_router(portal.router)
    app.include_router(workspace.router)
    app.mount("/static", StaticFiles(directory=TEMPLATES / "static"), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret.get_secret_value(),
        session_cookie="rebound_session",
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=bool(settings.cookie_secure),
    )
    limits = (
        orders.body_limits(settings)
        | finance.body_limits(settings)
        | finance_pages.body_limits(settings)
        | portal.body_limits(settings)
        | workspace.body_limits(settings)
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, overrides=limits)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Metrics)
    app.add_middleware(CaseLogs)  # outside the app and its error handlers, so their log lines name the case too
    if tracer is not None:  # outermost: the span covers everything the request does
        app.add_middleware(Tracing, tracer=tracer)
    return app
