"""The sandbox partners as one FastAPI app: payments, carrier, warehouse, repair centre, customs broker, insurer,
mail sink, fault injection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from sandbox import (
    authorizations,
    carrier,
    customs,
    faults,
    insurer,
    mail,
    payments,
    repair,
    settlements,
    warehouse,
    webhooks,
)
from sandbox.config import SandboxConfig
from sandbox.faults import FaultBook
from sandbox.mail import MailBox
from sandbox.state import Sandbox
from sandbox.store import Store
from sandbox.webhooks import Jobs, WebhookSender


def create_app(config: SandboxConfig, *, webhook_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """Build the app; the lifespan opens the books and starts webhook delivery and the SMTP sink."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(config.state_path)
        book = FaultBook(config.seed)
        client = httpx.AsyncClient(transport=webhook_transport, timeout=config.webhook_timeout_s)
        sandbox = Sandbox(config, store, book, WebhookSender(config, client, book), Jobs(), MailBox())
        app.state.sandbox = sandbox
        await sandbox.webhooks.start()
        # Refunds still pending from before a restart settle now, as the bank would have anyway.
        for refund in store.refunds(status="pending"):
            payments.schedule_settlement(sandbox, refund.id)
        repair.resume(sandbox)
        if config.smtp_port:
            await sandbox.mail.start(config.smtp_host, config.smtp_port)
        try:
            yield
        finally:
            await sandbox.mail.stop()
            await sandbox.jobs.stop()
            await sandbox.webhooks.stop()
            await client.aclose()
            store.close()

    app = FastAPI(
        title="Rebound sandbox partners",
        version="1",
        lifespan=lifespan,
        description="Simulated payment provider, carrier, warehouse, repair centre, customs broker, insurer and mail "
        "sink for dev, demos, tests.",
    )
    for module in (
        payments,
        authorizations,
        settlements,
        carrier,
        warehouse,
        repair,
        customs,
        insurer,
        mail,
        faults,
        webhooks,
    ):
        app.include_router(module.router)
    app.add_exception_handler(RequestValidationError, _invalid_request)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """Providers answer 400 with a stable code, never FastAPI's default 422 shape."""
    assert isinstance(exc, RequestValidationError)
    fields = {".".join(str(p) for p in e["loc"][1:]) or "body": e["msg"] for e in exc.errors()}
    return JSONResponse(
        {"error": "invalid_request", "detail": "the request is invalid", "fields": fields}, status_code=400
    )


def run(config: SandboxConfig, *, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve the sandbox until interrupted (what `rebound sandbox` calls)."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="info")
