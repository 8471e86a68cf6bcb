"""The whole stack in one test process: API app, sandbox partners and a real worker on the real Temporal
dev server and a real database. HTTP between them goes over in-process ASGI transports."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from opentelemetry.trace import Tracer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.worker import Worker

from api.app import create_app
from core.settings import Settings
from db.models import LedgerEntry
from db.session import create_engine, create_sessionmaker
from integrations.carriers import HttpCarrier
from integrations.customs import HttpCustomsBroker
from integrations.insurer import HttpInsurer
from integrations.payments import HttpPaymentProvider
from integrations.repair import HttpRepairCentre
from integrations.warehouse import HttpWarehouse
from sandbox.app import create_app as create_sandbox
from sandbox.config import SandboxConfig
from services.access import SCOPES, create_api_key, create_staff_user
from tests.support.builders import line, order_payload
from tests.support.postgres import free_port
from worker import Partners, build_worker, relay_webhooks_forever
from workflows.contracts import CaseView, case_workflow_id

API_KEY = "rk_e2e_all_scopes"
API_BASE = "http://rebound.test"
SANDBOX_BASE = "http://sandbox.test"


async def await_status(temporal: Client, number: str, *statuses: str, timeout_s: float = 60) -> CaseView:
    """Wait (via the workflow's wait_for_status update, not by polling) until the case is in a status."""
    handle = temporal.get_workflow_handle(case_workflow_id(number))
    try:
        async with asyncio.timeout(timeout_s):  # a case stuck elsewhere fails the test instead of hanging the suite
            view: CaseView = await handle.execute_update("wait_for_status", list(statuses), result_type=CaseView)
    except (RPCError, WorkflowUpdateFailedError):  # the workflow already finished
        view = await handle.query("status", result_type=CaseView)
    assert view.status in statuses, f"{number} is {view.status}, expected {statuses}"
    return view


class WorkerSlot:
    """The stack's worker, which a test can stop and start again as a crashed and restarted worker process would
    (workflows and activities in flight are picked up by the new one)."""

    def __init__(self, build: Callable[[], Worker]) -> None:
        self._build, self._current = build, build()

    async def start(self) -> None:
        await self._current.__aenter__()

    async def stop(self) -> None:
        await self._current.__aexit__(None, None, None)

    async def restart(self) -> None:
        await self.stop()
        self._current = self._build()
        await self.start()


@dataclass
class Stack:
    settings: Settings
    api: httpx.AsyncClient
    sandbox: httpx.AsyncClient
    sandbox_app: Any
    sessionmaker: async_sessionmaker[AsyncSession]
    temporal: Client
    api_app: Any = None  # the API's ASGI app, for serving it on a real port to a browser
    worker: WorkerSlot | None = None
    orders: list[str] = field(default_factory=list)
    _staff: dict[str, dict[str, str]] = field(default_factory=dict)
    _staff_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def order(self, *, amount: int = 10_000, quantity: int = 1, **kwargs: Any) -> dict[str, Any]:
        """An order paid by card with a real charge at the sandbox provider."""
        lines = kwargs.pop("lines", None) or [line("L1", unit_price=amount, quantity=quantity)]
        body = order_payload(lines=lines, **kwargs)
        total = body["tenders"][0]["amount"]
        charge = await self.sandbox.post("/payments/charges", json={"amount": total, "currency": body["currency"]})
        assert charge.status_code == 201, charge.text
        body["tenders"][0]["provider_charge_id"] = charge.json()["id"]
        created = await self.api.post("/api/v1/orders", json=body)
        assert created.status_code == 201, created.text
        return body

    async def open_return(
        self,
        order: dict[str, Any],
        *,
        reason: str = "changed_mind",
        resolution: str = "refund",
        items: list[dict[str, Any]] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        items = items or [{"line_id": li["id"], "quantity": li["quantity"], "reason": reason} for li in order["lines"]]
        body = {
            "order_number": order["number"],
            "email": order["customer"]["email"],
            "items": items,
            "resolution": resolution,
        }
        return await self.api.post("/api/v1/returns", json=body, headers={"Idempotency-Key": key or str(uuid.uuid4())})

    async def reach(self, number: str, *statuses: str) -> CaseView:
        return await await_status(self.temporal, number, *statuses)

    async def case(self, number: str) -> dict[str, Any]:
        got = await self.api.get(f"/api/v1/returns/{number}")
        assert got.status_code == 200, got.text
        return dict(got.json())

    async def advance(self, tracking_number: str, to: str) -> None:
        """Move the parcel at the carrier; returns once the carrier's webhooks have been delivered."""
        got = await self.sandbox.post(f"/carrier/shipments/{tracking_number}/advance", json={"to": to})
        assert got.status_code == 200, got.text
        await self.sandbox_app.state.sandbox.quiet()

    async def inspect(self, number: str, grade: str = "A", line_id: str = "L1") -> dict[str, Any]:
        """A warehouse agent grades the received goods (the refund follows)."""
        graded = await self.api.post(
            f"/api/v1/returns/{number}/inspection",
            json={"items": [{"line_id": line_id, "grade": grade}]},
            headers=await self.staff("agent"),
        )
        assert graded.status_code == 200, graded.text
        return dict(graded.json())

    async def through_to_refund(self, number: str, grade: str = "A") -> None:
        """Label, parcel delivered, goods graded, case completed: the customer, carrier and warehouse each act."""
        await self.reach(number, "awaiting_shipment")
        tracking = (await self.case(number))["shipments"][0]["tracking_number"]
        await self.advance(tracking, "delivered")
        await self.reach(number, "received")
        await self.inspect(number, grade)
        await self.reach(number, "completed")

    async def staff(self, role: str = "agent") -> dict[str, str]:
        """Authorization headers of a signed-in staff member with `role` (one account per role, made once even
        when concurrent steps of a test ask for it at the same time)."""
        async with self._staff_lock:
            if role not in self._staff:
                username = f"{role}-e2e"
                async with self.sessionmaker() as s:
                    await create_staff_user(s, username, "a long staff password", role)
                    await s.commit()
                got = await self.api.post(
                    "/api/v1/auth/token", json={"username": username, "password": "a long staff password"}
                )
                assert got.status_code == 200, got.text
                self._staff[role] = {"Authorization": f"Bearer {got.json()['access_token']}"}
            return dict(self._staff[role])

    async def provider_refunds(self, reference: str) -> list[dict[str, Any]]:
        got = await self.sandbox.get("/payments/refunds", params={"reference": reference})
        return list(got.json())

    async def ledger_balance(self) -> dict[str, int]:
        async with self.sessionmaker() as s:
            rows = await s.execute(
                select(LedgerEntry.currency, func.sum(LedgerEntry.amount_minor)).group_by(LedgerEntry.currency)
            )
            return {cur: int(total) for cur, total in rows}


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@asynccontextmanager
async def running_stack(
    settings: Settings,
    temporal: Client,
    *,
    api_temporal: Client | None = None,
    webhook_client: httpx.AsyncClient | None = None,
    tracer: Tracer | None = None,
) -> AsyncIterator[Stack]:
    """Start API, sandbox and worker; stop them in reverse order (workers before the event loop closes).
    `tracer` traces the API's requests (the Temporal clients bring their own tracing interceptors)."""
    settings = settings.model_copy(update={"smtp_port": free_port()})  # the sandbox's SMTP sink, tests read it
    async with AsyncExitStack() as stack:
        engine = create_engine(settings)
        stack.push_async_callback(engine.dispose)
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as s:
            await create_api_key(s, "e2e", list(SCOPES), raw=API_KEY)
            await s.commit()
        api_app = create_app(settings, temporal_client=api_temporal or temporal, tracer=tracer)
        await stack.enter_async_context(api_app.router.lifespan_context(api_app))
        secrets = {k: v.get_secret_value() for k, v in settings.partner_secrets.items()}
        sandbox_app = create_sandbox(
            SandboxConfig(
                rebound_base_url=API_BASE,
                secrets=secrets,
                state_path=None,
                smtp_port=settings.smtp_port,
                seed=7,
                customs_auto_decide_s=None,  # tests decide for the broker
                insurer_auto_decide_s=None,  # and for the insurer
                repair_auto_decide_s=None,  # and for the repair centre
            ),
            webhook_transport=httpx.ASGITransport(app=api_app),
        )
        await stack.enter_async_context(sandbox_app.router.lifespan_context(sandbox_app))
        sandbox = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox_app), base_url=SANDBOX_BASE)
        )
        api = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=api_app),
                base_url=API_BASE,
                headers={"Authorization": f"Bearer {API_KEY}"},
            )
        )
        api_app.state.resources.carrier = HttpCarrier(SANDBOX_BASE, client=sandbox)  # labels for the portal
        partners = Partners(
            HttpPaymentProvider(SANDBOX_BASE, client=sandbox),
            HttpCarrier(SANDBOX_BASE, client=sandbox),
            HttpCustomsBroker(SANDBOX_BASE, client=sandbox),
            webhook_client,
            HttpInsurer(SANDBOX_BASE, client=sandbox),
            HttpWarehouse(SANDBOX_BASE, client=sandbox),
            HttpRepairCentre(SANDBOX_BASE, client=sandbox),
        )
        worker = WorkerSlot(lambda: build_worker(temporal, settings, sessionmaker, partners))
        await worker.start()
        stack.push_async_callback(worker.stop)
        # The outbox relay, as the worker process runs it (deliveries started like cases, on the API's client).
        relay = asyncio.create_task(relay_webhooks_forever(api_temporal or temporal, settings, sessionmaker))
        stack.push_async_callback(_stop, relay)
        yield Stack(settings, api, sandbox, sandbox_app, sessionmaker, temporal, api_app, worker)
