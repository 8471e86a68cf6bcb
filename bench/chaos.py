"""Chaos: N returns in flight through the deployed topology (Temporal dev server persisted to SQLite, PostgreSQL,
API, worker and sandbox partners as processes) while the worker is killed with SIGKILL, the Temporal server and
the database are stopped and started again, and the payment provider fails 30 % of calls and repeats webhooks.
Ends with one line that says whether every case completed with exactly one refund and a balanced ledger, and
exits non-zero when not.

    python bench/chaos.py [--cases 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import suppress
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from bench.processes import start as start_processes
from core.devstack import Stack, temporal_dev_argv
from core.settings import Settings
from core.temporal import data_converter
from db.models import LedgerEntry
from db.session import create_engine, create_sessionmaker
from services.access import SCOPES, create_api_key, create_staff_user
from tests.support.builders import order_payload
from tests.support.databases import migrate
from tests.support.postgres import TempPostgres, find_bindir, free_port
from tests.support.servers import WorkerProcess
from workflows.contracts import CaseView, case_workflow_id

API_KEY = "rk_chaos_all_scopes"
PASSWORD = "chaos staff password"
AMOUNT = 10_000
LIMITS = httpx.Limits(keepalive_expiry=2, max_connections=50)


class Temporal:
    """The dev server in its own process, persisted to a file, so it can be stopped and started again."""

    def __init__(self, root: Path, port: int) -> None:
        self.port, self.root = port, root
        self.argv = temporal_dev_argv("127.0.0.1", port, free_port(), "default", root / "temporal.db")
        self.stack = Stack(root / "logs")

    def start(self) -> None:
        self.stack.procs.clear()
        self.stack.start("temporal", self.argv)
        self.stack.wait_port("temporal", "127.0.0.1", self.port)

    def stop(self) -> None:
        self.stack.stop()


async def retrying(what: str, call, *, attempts: int = 120):  # type: ignore[no-untyped-def]
    """Calls made while a dependency restarts fail for a while: retry until it is back (bounded)."""
    for n in range(attempts):
        try:
            return await call()
        except Exception:
            if n == attempts - 1:
                raise
            await asyncio.sleep(1)  # waiting for a process to come back: there is no event to await
    raise AssertionError(what)


class Driver:
    def __init__(self, api: httpx.AsyncClient, sandbox: httpx.AsyncClient, temporal: Client) -> None:
        self.api, self.sandbox, self.temporal = api, sandbox, temporal
        self.staff: dict[str, str] = {}
        self.statuses: Counter[int] = Counter()

    async def sign_in(self) -> None:
        got = await self.api.post("/api/v1/auth/token", json={"username": "warehouse", "password": PASSWORD})
        self.staff = {"Authorization": f"Bearer {got.json()['access_token']}"}

    async def call(self, method: str, url: str, client: httpx.AsyncClient | None = None, **kw) -> httpx.Response:  # type: ignore[no-untyped-def]
        """An HTTP call that waits out restarts: 5xx and refused connections are retried; 4xx are answers."""

        async def once() -> httpx.Response:
            got = await (client or self.api).request(method, url, **kw)
            self.statuses[got.status_code] += 1
            if got.status_code >= 500:
                raise RuntimeError(f"{method} {url}: {got.status_code}")
            return got

        response: httpx.Response = await retrying(url, once)
        return response

    async def reach(self, number: str, *statuses: str) -> CaseView:
        handle = self.temporal.get_workflow_handle(case_workflow_id(number))

        async def wait() -> CaseView:
            try:
                view: CaseView = await handle.execute_update("wait_for_status", list(statuses), result_type=CaseView)
            except (RPCError, WorkflowUpdateFailedError):  # the case already ended (a retried call was slower)
                view = await handle.query("status", result_type=CaseView)
            if view.status not in statuses:
                raise RuntimeError(f"{number} is {view.status}")
            return view

        return await retrying(number, wait, attempts=600)

    async def one_case(self) -> str:
        body = order_payload(f"C-{uuid.uuid4().hex[:10]}", email=f"chaos-{uuid.uuid4().hex[:12]}@example.com")
        charge = await self.call("POST", "/payments/charges", self.sandbox, json={"amount": AMOUNT, "currency": "CNY"})
        body["tenders"][0]["provider_charge_id"] = charge.json()["id"]
        await self.call("POST", "/api/v1/orders", json=body)
        request = {
            "order_number": body["number"],
            "email": body["customer"]["email"],
            "resolution": "refund",
            "items": [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}],
        }
        key = {"Idempotency-Key": f"chaos-{body['number']}"}  # a retried create returns the same case
        number = str((await self.call("POST", "/api/v1/returns", json=request, headers=key)).json()["number"])
        view = await self.reach(number, "awaiting_shipment")
        assert view.tracking_number
        await self.call(
            "POST", f"/carrier/shipments/{view.tracking_number}/advance", self.sandbox, json={"to": "delivered"}
        )
        await self.reach(number, "received")
        graded = {"items": [{"line_id": "L1", "grade": "A"}]}
        await self.call("POST", f"/api/v1/returns/{number}/inspection", json=graded, headers=self.staff)
        await self.reach(number, "completed")
        return number


async def chaos(cases: int) -> int:
    bindir = find_bindir()
    if bindir is None:
        print("chaos needs PostgreSQL binaries (Debian package postgresql)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = TempPostgres(bindir).start()
        temporal = Temporal(root, free_port())
        try:
            db_url = db.url("rebound")
            import asyncpg  # the cluster's maintenance database creates ours

            conn = await asyncpg.connect(db.dsn())
            await conn.execute("CREATE DATABASE rebound")
            await conn.close()
            await asyncio.to_thread(migrate, db_url)
            temporal.start()
            settings = Settings(
                env="test",
                database_url=db_url,
                var_dir=root,
                case_prefix="X",
                temporal_address=f"127.0.0.1:{temporal.port}",
                temporal_task_queue=f"chaos-{uuid.uuid4().hex[:8]}",
                api_port=free_port(),
                sandbox_port=free_port(),
                smtp_port=free_port(),
            )
            engine = create_engine(settings)
            async with create_sessionmaker(engine)() as s:
                await create_api_key(s, "chaos", list(SCOPES), raw=API_KEY)
                await create_staff_user(s, "warehouse", PASSWORD, "agent")
                await s.commit()
            processes = start_processes(settings, root / "logs", with_worker=False)
            worker = WorkerProcess(settings, root / "logs" / "worker.log")
            worker.start()
            try:
                return await drive(settings, cases, temporal, db, worker, engine)
            finally:
                worker.stop()
                processes.stop()
                await engine.dispose()
        finally:
            temporal.stop()
            db.stop()


async def drive(
    settings: Settings, cases: int, temporal: Temporal, db: TempPostgres, worker: WorkerProcess, engine
) -> int:  # type: ignore[no-untyped-def]
    client = await Client.connect(f"127.0.0.1:{temporal.port}", data_converter=data_converter(settings))
    async with (
        httpx.AsyncClient(base_url=settings.public_base_url, timeout=30, limits=LIMITS) as api,
        httpx.AsyncClient(base_url=settings.sandbox_url, timeout=30, limits=LIMITS) as sandbox,
    ):
        api.headers["Authorization"] = f"Bearer {API_KEY}"
        driver = Driver(api, sandbox, client)
        await driver.sign_in()
        faults = {"payments": {"error_rate": 0.3, "duplicate_webhooks": True}}
        assert (await sandbox.put("/faults", json=faults)).status_code == 200
        began = time.perf_counter()
        gate = asyncio.Semaphore(100)  # the storefront's burst: at most this many customers at once

        progress = Progress()

        async def one() -> str:
            async with gate:
                number = await driver.one_case()
            await progress.one_more()
            return number

        tasks = [asyncio.create_task(one()) for _ in range(cases)]
        log: list[str] = []
        troubles = asyncio.create_task(make_trouble(temporal, db, worker, api, cases, progress, log))
        numbers = await asyncio.gather(*tasks)
        troubles.cancel()
        with suppress(asyncio.CancelledError):
            await troubles
        secs = time.perf_counter() - began
        await sandbox.delete("/faults")
        return await verdict(numbers, sandbox, engine, secs, log, driver.statuses)


class Progress:
    """Cases completed so far, awaitable."""

    def __init__(self) -> None:
        self.done = 0
        self.changed = asyncio.Condition()

    async def one_more(self) -> None:
        async with self.changed:
            self.done += 1
            self.changed.notify_all()

    async def reached(self, target: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.done >= target)


async def make_trouble(
    temporal: Temporal,
    db: TempPostgres,
    worker: WorkerProcess,
    api: httpx.AsyncClient,
    cases: int,
    progress: Progress,
    log: list[str],
) -> None:
    """Crash and restart things while cases are in flight: the worker three times, Temporal and the database once."""
    rnd = random.Random(5)
    plan = ["worker", "temporal", "worker", "database", "worker"]
    for step, what in enumerate(plan, start=1):
        target = cases * step // (len(plan) + 1)
        await progress.reached(target)
        await asyncio.sleep(rnd.uniform(0, 2))
        if what == "worker":
            worker.kill()
            await asyncio.sleep(rnd.uniform(1, 4))
            worker.start()
            log.append(f"worker killed (SIGKILL) and restarted after {target} cases")
        elif what == "temporal":
            temporal.stop()
            health = await api.get("/healthz")
            temporal.start()
            log.append(f"Temporal server stopped and restarted; meanwhile /healthz said {health.status_code}")
        else:
            db.halt()
            health = await api.get("/healthz")
            create = await api.post("/api/v1/orders", json=order_payload(f"DOWN-{uuid.uuid4().hex[:6]}"))
            await asyncio.sleep(2)
            db.resume()
            log.append(
                f"database stopped and restarted; meanwhile /healthz said {health.status_code}, "
                f"an order upsert {create.status_code}"
            )


async def verdict(numbers: list[str], sandbox: httpx.AsyncClient, engine, secs: float, log: list[str], statuses) -> int:  # type: ignore[no-untyped-def]
    refunds_ok = 0
    for number in numbers:
        paid = (await sandbox.get("/payments/refunds", params={"reference": number})).json()
        succeeded = [p for p in paid if p["status"] == "succeeded"]
        if len(succeeded) == 1 and succeeded[0]["amount"] == AMOUNT:
            refunds_ok += 1
        else:
            print(f"  {number}: provider paid {paid}")
    async with create_sessionmaker(engine)() as s:
        rows = await s.execute(
            select(LedgerEntry.currency, func.sum(LedgerEntry.amount_minor)).group_by(LedgerEntry.currency)
        )
        balances = {cur: int(total) for cur, total in rows}
    for line in log:
        print(f"  {line}")
    print(f"  HTTP answers seen by the driver: {dict(sorted(statuses.items()))} (5xx were retried)")
    print(f"  {len(numbers)} cases in {secs:.0f}s ({len(numbers) / secs:.2f} cases/s through the chaos)")
    ok = refunds_ok == len(numbers) and all(v == 0 for v in balances.values())
    print(
        f"cases in = {len(numbers)}, cases completed = {len(numbers)}, refunds = {refunds_ok} (expected "
        f"{len(numbers)}), ledger balanced = {all(v == 0 for v in balances.values())} {balances} -> "
        + ("OK" if ok else "FAILED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    sys.exit(asyncio.run(chaos(parser.parse_args().cases)))
