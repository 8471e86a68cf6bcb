"""Exactly-once refunds while the payment provider fails 30% of calls and the worker is killed mid-refund."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import func, select
from temporalio.client import Client

from api.app import create_app
from core.settings import Settings
from core.temporal import data_converter
from db.models import LedgerEntry
from db.session import create_engine, create_sessionmaker
from sandbox.app import create_app as create_sandbox
from sandbox.config import SandboxConfig
from services.access import SCOPES, create_api_key, create_staff_user
from tests.support.builders import order_payload
from tests.support.servers import WorkerProcess, free_port, serve
from tests.support.stack import await_status
from workflows.contracts import CaseView

CASES = 8


async def _reach(temporal: Client, number: str, *statuses: str) -> CaseView:
    return await await_status(temporal, number, *statuses, timeout_s=120)


async def test_each_case_is_refunded_exactly_once_through_faults_and_a_killed_worker(
    e2e_settings: Settings, temporal_client: Client, tmp_path: Path
) -> None:
    api_port, sandbox_port = free_port(), free_port()
    settings = Settings(
        **{
            **e2e_settings.model_dump(),
            "api_port": api_port,
            "sandbox_port": sandbox_port,
            "public_base_url": "",
            "sandbox_url": "",
        }
    )
    # The worker process encrypts payloads with the key from settings; everything talking to it must hold it too.
    temporal_client = await Client.connect(
        temporal_client.service_client.config.target_host, data_converter=data_converter(settings)
    )
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    async with sessions() as s:
        await create_api_key(s, "chaos", list(SCOPES), raw="rk_chaos")
        await create_staff_user(s, "warehouse", "a long staff password", "agent")
        await s.commit()
    secrets = {k: v.get_secret_value() for k, v in settings.partner_secrets.items()}
    sandbox_app = create_sandbox(
        SandboxConfig(
            rebound_base_url=settings.public_base_url,
            secrets=secrets,
            state_path=tmp_path / "sandbox.db",
            smtp_port=0,
            seed=11,
        )
    )
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    api_app = create_app(settings, temporal_client=temporal_client)
    auth = {"Authorization": "Bearer rk_chaos"}
    async with (
        serve(sandbox_app, sandbox_port),
        serve(api_app, api_port),
        httpx.AsyncClient(base_url=settings.public_base_url, timeout=30, headers=auth) as api,
        httpx.AsyncClient(base_url=settings.sandbox_url, timeout=30) as sandbox,
    ):
        worker.start()
        try:
            numbers = [await _open_case(api, sandbox, n) for n in range(CASES)]
            token = (
                await api.post(
                    "/api/v1/auth/token", json={"username": "warehouse", "password": "a long staff password"}
                )
            ).json()
            staff = {"Authorization": f"Bearer {token['access_token']}"}
            faults = {"payments": {"error_rate": 0.3, "duplicate_webhooks": True}}
            assert (await sandbox.put("/faults", json=faults)).status_code == 200
            for number in numbers:
                await _deliver_and_inspect(api, sandbox, temporal_client, staff, number)
            # Kill the worker while refunds are in flight, as a crash would, then bring it back.
            await _reach(temporal_client, numbers[0], "resolving", "completed")
            worker.kill()
            unfinished = [
                c["number"]
                for c in (await api.get("/api/v1/returns", params={"status": "resolving"}, headers=staff)).json()[
                    "items"
                ]
            ]
            assert unfinished, "the worker was killed after every refund had finished: nothing was tested"
            worker.start()
            for number in numbers:
                assert (await _reach(temporal_client, number, "completed")).status == "completed"
        finally:
            worker.stop()
        for number in numbers:
            case = (await api.get(f"/api/v1/returns/{number}")).json()
            [refund] = case["refunds"]
            paid = (await sandbox.get("/payments/refunds", params={"reference": refund["id"]})).json()
            succeeded = [p for p in paid if p["status"] == "succeeded"]
            assert len(succeeded) == 1, f"{number}: provider paid {paid}"
            assert succeeded[0]["amount"] == refund["amount"]["amount"] == 10_000
    async with sessions() as s:
        per_case = await s.execute(
            select(
                LedgerEntry.case_id, func.count(func.distinct(LedgerEntry.txn_id)), func.sum(LedgerEntry.amount_minor)
            ).group_by(LedgerEntry.case_id)
        )
        rows = list(per_case)
    await engine.dispose()
    assert len(rows) == CASES
    # One refund, the label's postage and the goods restocked: each booked once, balanced.
    assert all(txns == 3 and balance == 0 for _case, txns, balance in rows)


async def _open_case(api: httpx.AsyncClient, sandbox: httpx.AsyncClient, n: int) -> str:
    body = order_payload(f"CHAOS-{n}", email=f"chaos{n}@example.com")
    charge = await sandbox.post("/payments/charges", json={"amount": 10_000, "currency": "CNY"})
    body["tenders"][0]["provider_charge_id"] = charge.json()["id"]
    assert (await api.post("/api/v1/orders", json=body)).status_code == 201
    items = [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}]
    request = {
        "order_number": body["number"],
        "email": body["customer"]["email"],
        "items": items,
        "resolution": "refund",
    }
    first = await api.post("/api/v1/returns", json=request, headers={"Idempotency-Key": f"chaos-{n}"})
    again = await api.post("/api/v1/returns", json=request, headers={"Idempotency-Key": f"chaos-{n}"})
    assert first.status_code == again.status_code == 201, first.text
    assert first.json()["number"] == again.json()["number"]  # a double submit is the same case
    return str(first.json()["number"])


async def _deliver_and_inspect(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, temporal: Client, staff: dict[str, str], number: str
) -> None:
    await _reach(temporal, number, "awaiting_shipment")
    tracking = (await api.get(f"/api/v1/returns/{number}")).json()["shipments"][0]["tracking_number"]
    advanced = await sandbox.post(f"/carrier/shipments/{tracking}/advance", json={"to": "delivered"})
    assert advanced.status_code == 200, advanced.text
    await _reach(temporal, number, "received")
    graded = await api.post(
        f"/api/v1/returns/{number}/inspection", headers=staff, json={"items": [{"line_id": "L1", "grade": "A"}]}
    )
    assert graded.status_code == 200, graded.text
