"""Worker entry point: registers every workflow and activity; also sweeps cases whose workflow never started."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities.cases import CaseActivities
from activities.partners import PaymentActivities, ShippingActivities
from activities.refunds import RefundActivities
from core import temporal
from core.settings import Settings
from db.session import create_engine, create_sessionmaker
from domain import money
from integrations.carriers import Carrier, HttpCarrier
from integrations.payments import HttpPaymentProvider, PaymentProvider
from services.starter import start_case_workflow, sweep_cutoff, unstarted_cases
from workflows.refund import RefundWorkflow
from workflows.return_case import ReturnCaseWorkflow

log = logging.getLogger("rebound.worker")


@dataclass
class Partners:
    payments: PaymentProvider
    carrier: Carrier


def http_partners(settings: Settings) -> Partners:
    return Partners(HttpPaymentProvider(settings.sandbox_url), HttpCarrier(settings.sandbox_url))


def build_worker(
    client: Client, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], partners: Partners
) -> Worker:
    # Babel loads its currency data lazily from files; load it here, outside the workflow sandbox.
    money.exponent("USD")
    money.is_currency("USD")
    cases = CaseActivities(sessionmaker)
    shipping = ShippingActivities(sessionmaker, partners.carrier, settings)
    payments = PaymentActivities(partners.payments)
    refunds = RefundActivities(sessionmaker)
    return Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=[ReturnCaseWorkflow, RefundWorkflow],
        activities=[
            cases.record_event,
            shipping.create_label,
            shipping.void_label,
            payments.create_refund,
            payments.get_refund,
            refunds.reserve,
        ],
        # A crashed worker's cases resume on another worker ~2x sooner than with the 10 s default.
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=2),
    )


async def sweep(client: Client, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Start the workflow of every committed case that has none (the API crashed between commit and start)."""
    started = 0
    async with sessionmaker() as session:
        for case in await unstarted_cases(session, older_than=sweep_cutoff(datetime.now(UTC))):
            await start_case_workflow(client, session, case, settings.temporal_task_queue)
            log.info("sweeper started the workflow of %s", case.number)
            started += 1
    return started


async def _sweep_forever(client: Client, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    while True:
        try:
            await sweep(client, settings, sessionmaker)
        except Exception:  # a sweep failing (database or Temporal down) must not stop the worker
            log.exception("sweep failed; trying again shortly")
        await asyncio.sleep(30)


async def run(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    client = await temporal.connect(settings)
    worker = build_worker(client, settings, sessionmaker, http_partners(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker on task queue %s at %s", settings.temporal_task_queue, settings.temporal_address)
    sweeper = asyncio.create_task(_sweep_forever(client, settings, sessionmaker))
    async with worker:
        await stop.wait()
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    await engine.dispose()
