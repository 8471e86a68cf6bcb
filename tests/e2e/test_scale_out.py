"""Scale-out: two API processes and two worker processes on one task queue, one Temporal server and one PostgreSQL
database. Returns filed alternately at each API are all refunded; both workers did the work; nothing was done
twice (one refund at the provider, one ledger transaction per case, each mail and each merchant webhook sent
once although both workers run a mail sender and a webhook relay)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from core.devstack import Stack
from core.settings import ROOT, Settings
from core.temporal import data_converter
from db.models import LedgerEntry, MailOutbox, WebhookMessage
from db.session import create_engine, create_sessionmaker
from sandbox.app import create_app as create_sandbox
from sandbox.config import SandboxConfig
from tests.support.access import seed_access
from tests.support.builders import order_payload
from tests.support.servers import free_port, serve, settings_env
from tests.support.stack import await_status
from tests.support.webhook_receiver import Receiver
from workflows.contracts import case_workflow_id, refund_workflow_id

CASES = 20
API_KEY = "rk_scale_out"
PASSWORD = "a long staff password"
WORKERS = ("worker-1", "worker-2")


@dataclass
class Deployment:
    settings: Settings
    apis: tuple[httpx.AsyncClient, httpx.AsyncClient]  # API A and API B, each its own process
    sandbox: httpx.AsyncClient
    temporal: Client
    workers: set[str]  # identities of the two worker processes, as Temporal saw them poll
    staff: dict[str, str]
    merchant: Receiver  # the merchant's webhook endpoint, subscribed to every event


async def _pollers(temporal: Client, queue: str, kind: TaskQueueType.ValueType) -> set[str]:
    described = await temporal.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(namespace=temporal.namespace, task_queue=TaskQueue(name=queue), task_queue_type=kind)
    )
    return {p.identity for p in described.pollers}


async def await_pollers(temporal: Client, queue: str, count: int, timeout_s: float = 120) -> set[str]:
    """Until `count` distinct workers poll the queue for both workflow and activity tasks."""
    async with asyncio.timeout(timeout_s):
        while True:
            workflow = await _pollers(temporal, queue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
            activity = await _pollers(temporal, queue, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
            if len(workflow) >= count and workflow == activity:
                return workflow
            await asyncio.sleep(0.2)  # the server announces no "poller joined" event to wait on


def _merchant_app(receiver: Receiver) -> Starlette:
    """The merchant's endpoint on a real port (the worker processes post to it over HTTP)."""

    async def hooks(request: Request) -> Response:
        asked = httpx.Request("POST", receiver.url, headers=request.headers.items(), content=await request.body())
        answer = await receiver.handle(asked)
        return Response(answer.content, status_code=answer.status_code)

    return Starlette(routes=[Route("/hooks", hooks, methods=["POST"])])


@pytest.fixture
async def deployment(e2e_settings: Settings, temporal_client: Client, tmp_path: Path) -> AsyncIterator[Deployment]:
    """Sandbox partners (in this process), then API A, API B and two workers as `python -m cli ...` processes,
    all configured by the same settings but their listening port; stopped (SIGTERM) in reverse order."""
    ports = free_port(), free_port()
    base = Settings(
        **{
            **e2e_settings.model_dump(),
            "api_port": ports[0],
            "sandbox_port": free_port(),
            "smtp_port": free_port(),
            "public_base_url": "",
            "sandbox_url": "",
        }
    )
    replicas = [base.model_copy(update={"api_port": p, "public_base_url": f"http://127.0.0.1:{p}"}) for p in ports]
    await seed_access(base, key=("scale-out", API_KEY), staff=("warehouse", PASSWORD))
    temporal = await Client.connect(
        temporal_client.service_client.config.target_host, data_converter=data_converter(base)
    )
    sandbox_app = create_sandbox(
        SandboxConfig(
            rebound_base_url=replicas[1].public_base_url,  # partners' webhooks arrive at API B
            secrets={k: v.get_secret_value() for k, v in base.partner_secrets.items()},
            state_path=tmp_path / "sandbox.db",
            smtp_port=base.smtp_port,  # the sink the workers' mail senders deliver to
            seed=3,
        )
    )
    merchant_port = free_port()
    merchant = Receiver(f"127.0.0.1:{merchant_port}")
    processes = Stack(tmp_path / "logs")
    cli = [sys.executable, "-m", "cli"]
    env = {"PYTHONPATH": str(ROOT)}
    auth = {"Authorization": f"Bearer {API_KEY}"}
    async with (
        serve(sandbox_app, base.sandbox_port),
        serve(_merchant_app(merchant), merchant_port, lifespan=False),
        httpx.AsyncClient(base_url=replicas[0].public_base_url, timeout=30, headers=auth) as api_a,
        httpx.AsyncClient(base_url=replicas[1].public_base_url, timeout=30, headers=auth) as api_b,
        httpx.AsyncClient(base_url=base.sandbox_url, timeout=30) as sandbox,
    ):
        try:
            for name, replica in zip(("api-a", "api-b"), replicas, strict=True):
                processes.start(name, [*cli, "api"], env={**settings_env(replica), **env})
            for name in WORKERS:
                processes.start(name, [*cli, "worker"], env={**settings_env(base), **env})
            for name, replica in zip(("api-a", "api-b"), replicas, strict=True):
                await asyncio.to_thread(processes.wait_port, name, "127.0.0.1", replica.api_port)
            workers = await await_pollers(temporal, base.temporal_task_queue, len(WORKERS))
            token = await api_a.post("/api/v1/auth/token", json={"username": "warehouse", "password": PASSWORD})
            assert token.status_code == 200, token.text
            staff = {"Authorization": f"Bearer {token.json()['access_token']}"}  # signed: valid at either API
            endpoint = await api_a.post("/api/v1/webhook-endpoints", json={"url": merchant.url, "events": ["*"]})
            assert endpoint.status_code == 201, endpoint.text
            merchant.secret = endpoint.json()["secret"]
            yield Deployment(base, (api_a, api_b), sandbox, temporal, workers, staff, merchant)
        finally:
            await asyncio.to_thread(processes.stop)


async def _one_return(d: Deployment, n: int) -> str:
    """File return n at one API (A for even n, B for odd), read and act on it at the other, through to refunded."""
    here, there = d.apis[n % 2], d.apis[1 - n % 2]
    body = order_payload(f"SCALE-{n}-{uuid.uuid4().hex[:6]}", email=f"scale{n}@example.com")
    charge = await d.sandbox.post("/payments/charges", json={"amount": 10_000, "currency": "CNY"})
    assert charge.status_code == 201, charge.text
    body["tenders"][0]["provider_charge_id"] = charge.json()["id"]
    assert (await here.post("/api/v1/orders", json=body)).status_code == 201
    request = {
        "order_number": body["number"],
        "email": body["customer"]["email"],
        "items": [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}],
        "resolution": "refund",
    }
    key = {"Idempotency-Key": f"scale-{body['number']}"}
    created = await here.post("/api/v1/returns", json=request, headers=key)
    again = await there.post("/api/v1/returns", json=request, headers=key)  # the client's retry hit the other replica
    assert created.status_code == again.status_code == 201, (created.text, again.text)
    number = str(created.json()["number"])
    assert again.json()["number"] == number  # idempotency keys live in the shared database, not in a process
    view = await await_status(d.temporal, number, "awaiting_shipment")
    seen = await there.get(f"/api/v1/returns/{number}")  # made at one replica, read at the other
    assert seen.status_code == 200, seen.text
    assert seen.json()["order_number"] == body["number"]
    assert seen.json()["shipments"][0]["tracking_number"] == view.tracking_number
    advanced = await d.sandbox.post(f"/carrier/shipments/{view.tracking_number}/advance", json={"to": "delivered"})
    assert advanced.status_code == 200, advanced.text
    await await_status(d.temporal, number, "received")
    graded = {"items": [{"line_id": "L1", "grade": "A"}]}
    inspected = await there.post(f"/api/v1/returns/{number}/inspection", json=graded, headers=d.staff)
    assert inspected.status_code == 200, inspected.text
    await await_status(d.temporal, number, "completed")
    return number


async def _identities(temporal: Client, workflow_id: str) -> Counter[str]:
    """Which worker completed each workflow task and activity of one workflow's history (completions, since a
    workflow task the server starts in place, as when a long local activity heartbeats, names no poller)."""
    found: Counter[str] = Counter()
    async for event in temporal.get_workflow_handle(workflow_id).fetch_history_events():
        if event.HasField("workflow_task_completed_event_attributes"):
            found[event.workflow_task_completed_event_attributes.identity] += 1
        elif event.HasField("activity_task_completed_event_attributes"):
            found[event.activity_task_completed_event_attributes.identity] += 1
    return found


async def _mails_settled(d: Deployment, timeout_s: float = 60) -> list[MailOutbox]:
    """The mail outbox once no mail is pending any more (the senders poll every few seconds when idle)."""
    engine = create_engine(d.settings)
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                async with create_sessionmaker(engine)() as s:
                    rows = list(await s.scalars(select(MailOutbox)))
                if rows and all(r.status != "pending" for r in rows):
                    return rows
                await asyncio.sleep(0.5)  # a sent mail raises no event this process could wait on
    finally:
        await engine.dispose()


async def _webhook_messages(d: Deployment) -> int:
    engine = create_engine(d.settings)
    try:
        async with create_sessionmaker(engine)() as s:
            return int(await s.scalar(select(func.count()).select_from(WebhookMessage)) or 0)
    finally:
        await engine.dispose()


async def _ledger(d: Deployment) -> tuple[list[tuple[int | None, int, int]], list[tuple[str, str]]]:
    """(case id, ledger transactions, balance) per case; and any (transaction, account) written more than once, as
    a repeated projection write would (legs of one transaction doubled still balance)."""
    engine = create_engine(d.settings)
    try:
        async with create_sessionmaker(engine)() as s:
            per_case = await s.execute(
                select(
                    LedgerEntry.case_id,
                    func.count(func.distinct(LedgerEntry.txn_id)),
                    func.sum(LedgerEntry.amount_minor),
                ).group_by(LedgerEntry.case_id)
            )
            repeated = await s.execute(
                select(LedgerEntry.txn_id, LedgerEntry.account)
                .group_by(LedgerEntry.txn_id, LedgerEntry.account)
                .having(func.count() > 1)
            )
            return (
                [(case, int(txns), int(balance)) for case, txns, balance in per_case],
                [(txn, account) for txn, account in repeated],
            )
    finally:
        await engine.dispose()


async def test_two_apis_and_two_workers_share_the_work_and_do_nothing_twice(deployment: Deployment) -> None:
    d = deployment
    assert len(d.workers) == 2, d.workers
    numbers = await asyncio.gather(*(_one_return(d, n) for n in range(CASES)))
    assert len(set(numbers)) == CASES

    # The work spread: every task in these histories was completed by one of the two workers, and both did some.
    by_worker: Counter[str] = Counter()
    for number in numbers:
        by_worker += await _identities(d.temporal, case_workflow_id(number))
        by_worker += await _identities(d.temporal, refund_workflow_id(number, 1))
    assert set(by_worker) == d.workers, (by_worker, d.workers)
    print(f"tasks completed per worker: {dict(by_worker)}")

    # Nothing done twice: the provider paid each case once, and the ledger holds each movement of a case once.
    paid = (await d.sandbox.get("/payments/refunds")).json()
    assert len(paid) == CASES, paid
    assert all(p["status"] == "succeeded" and p["amount"] == 10_000 for p in paid), paid
    assert len({p["reference"] for p in paid}) == CASES
    for api in d.apis:
        cases: list[dict[str, Any]] = [(await api.get(f"/api/v1/returns/{n}")).json() for n in numbers]
        assert all(c["status"] == "completed" and len(c["refunds"]) == 1 for c in cases)
    ledger, repeated = await _ledger(d)
    assert len(ledger) == CASES
    assert repeated == []
    # One refund, the label's postage and the goods restocked per case: each booked once, balanced.
    assert all(case is not None and txns == 3 and balance == 0 for case, txns, balance in ledger), ledger

    # Both workers run a mail sender on the same outbox: each mail reached the SMTP sink exactly once.
    outbox = await _mails_settled(d)
    assert all(m.status == "sent" and m.attempts == 1 for m in outbox), [(m.dedupe_key, m.status) for m in outbox]
    received = (await d.sandbox.get("/mail/messages")).json()
    assert Counter(m["message_id"] for m in received) == Counter(m.message_id for m in outbox)

    # Both workers run the webhook relay on the same outbox: every event reached the merchant, each exactly once.
    messages = await _webhook_messages(d)
    assert messages >= 2 * CASES
    await d.merchant.wait_for(messages)
    assert len(d.merchant.ids) == messages and set(d.merchant.ids.values()) == {1}, d.merchant.ids
    assert d.merchant.refused == 0
