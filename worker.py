"""Worker entry point: registers every workflow and activity; also sweeps cases whose workflow never started."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities.cases import CaseActivities
from activities.claims import ClaimActivities
from activities.customs import CustomsActivities
from activities.exchanges import ExchangeActivities
from activities.goodwill import GoodwillActivities
from activities.partners import PaymentActivities, ShippingActivities
from activities.refunds import RefundActivities
from activities.repairs import RepairActivities
from activities.webhooks import WebhookActivities
from api.web.pages import Pages
from core import logging as rebound_logging
from core import metrics, temporal, tracing
from core.interceptors import ObservedActivities
from core.settings import Settings
from db.session import create_engine, create_sessionmaker
from domain import money
from integrations.carriers import Carrier, HttpCarrier
from integrations.customs import CustomsBroker, HttpCustomsBroker
from integrations.insurer import HttpInsurer, Insurer
from integrations.mail import SmtpMailer
from integrations.payments import HttpPaymentProvider, PaymentProvider
from integrations.repair import HttpRepairCentre, RepairCentre
from integrations.warehouse import HttpWarehouse, Warehouse
from services.mails import send_batch
from services.starter import start_case_workflow, sweep_cutoff, unstarted_cases
from services.webhook_relay import relay_once
from workflows.claims import InsuranceClaimWorkflow
from workflows.customs import CustomsClearanceWorkflow
from workflows.exchange import ExchangeWorkflow
from workflows.refund import RefundWorkflow
from workflows.repair import RepairWorkflow
from workflows.return_case import ReturnCaseWorkflow
from workflows.webhook_delivery import WebhookDeliveryWorkflow

log = logging.getLogger("rebound.worker")


@dataclass
class Partners:
    payments: PaymentProvider
    carrier: Carrier
    customs: CustomsBroker | None = None  # None: the broker at settings.sandbox_url
    webhooks: httpx.AsyncClient | None = None  # merchants' webhook receivers; None: a fresh client
    insurer: Insurer | None = None  # None: the insurer at settings.sandbox_url
    warehouse: Warehouse | None = None  # None: the warehouse (WMS) at settings.sandbox_url
    repair: RepairCentre | None = None  # None: the repair centre at settings.sandbox_url


def http_partners(settings: Settings) -> Partners:
    return Partners(HttpPaymentProvider(settings.sandbox_url), HttpCarrier(settings.sandbox_url))


def build_worker(
    client: Client, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], partners: Partners
) -> Worker:
    # Babel loads its currency data lazily from files; load it here, outside the workflow sandbox.
    money.exponent("USD")
    money.is_currency("USD")
    cases = CaseActivities(sessionmaker, settings.supervisor_email or settings.admin_email)
    shipping = ShippingActivities(sessionmaker, partners.carrier, settings)
    payments = PaymentActivities(partners.payments)
    refunds = RefundActivities(sessionmaker)
    webhooks = WebhookActivities(sessionmaker, partners.webhooks or httpx.AsyncClient(), settings)
    customs = CustomsActivities(sessionmaker, partners.customs or HttpCustomsBroker(settings.sandbox_url), settings)
    goodwill = GoodwillActivities(sessionmaker)
    claims = ClaimActivities(sessionmaker, partners.insurer or HttpInsurer(settings.sandbox_url))
    warehouse = partners.warehouse or HttpWarehouse(settings.sandbox_url)
    exchanges = ExchangeActivities(sessionmaker, warehouse, partners.payments)
    repairs = RepairActivities(
        sessionmaker, partners.repair or HttpRepairCentre(settings.sandbox_url), partners.payments
    )
    return Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=[
            ReturnCaseWorkflow,
            RefundWorkflow,
            CustomsClearanceWorkflow,
            InsuranceClaimWorkflow,
            ExchangeWorkflow,
            RepairWorkflow,
            WebhookDeliveryWorkflow,
        ],
        activities=[
            cases.record_event,
            shipping.create_label,
            shipping.void_label,
            payments.create_refund,
            payments.get_refund,
            refunds.reserve,
            customs.prepare,
            customs.submit,
            customs.send_documents,
            customs.record_decision,
            goodwill.reserve,
            claims.open,
            claims.submit,
            claims.send_evidence,
            claims.record_decision,
            exchanges.reserve,
            exchanges.release,
            exchanges.authorize_hold,
            exchanges.charge_difference,
            exchanges.ship,
            exchanges.settle_hold,
            exchanges.mark,
            exchanges.reserve_difference,
            exchanges.replace_unrepairable,
            repairs.file,
            repairs.mark,
            repairs.charge_quote,
            repairs.answer_quote,
            webhooks.send,
            webhooks.give_up,
        ],
        interceptors=[ObservedActivities()],  # tracing comes with the client (core.temporal.connect)
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


async def relay_webhooks_forever(
    client: Client, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The webhook outbox relay: new deliveries go to their delivery workflows within about a second."""
    while True:
        handed = 0
        try:
            handed = await relay_once(client, sessionmaker, settings.temporal_task_queue)
        except Exception:  # the database or Temporal being away must not stop the worker
            log.exception("webhook relay failed; trying again shortly")
        if not handed:
            await asyncio.sleep(settings.webhook_relay_interval_s)


async def _send_mail_forever(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The mail outbox's sender: customers' mails go out over SMTP, retried with backoff when it fails."""
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_sender)
    pages = Pages(settings.display_timezone)
    while True:
        sent = 0
        try:
            sent = await send_batch(sessionmaker, mailer, pages, settings, now=datetime.now(UTC))
        except Exception:  # the database being away must not stop the worker
            log.exception("mail batch failed; trying again shortly")
        if not sent:
            await asyncio.sleep(5)


async def _connect(settings: Settings, stop: asyncio.Event) -> Client | None:
    """Connect to Temporal, waiting for it while it is down (a restart, a failover); None once told to stop."""
    delay = 1.0
    tracer = tracing.from_settings(settings, "rebound-worker")
    runtime = metrics.worker_runtime(settings)  # one per process: it owns the metrics port
    while not stop.is_set():
        try:
            return await temporal.connect(settings, tracer=tracer, runtime=runtime)
        except RuntimeError as failed:  # the server is not reachable yet
            log.warning("Temporal at %s unreachable (%s); retrying in %.0f s", settings.temporal_address, failed, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, 30)
    return None


async def _work_until(stop: asyncio.Event, worker: Worker) -> bool:
    """Run the worker until asked to stop (True) or until it fails, e.g. the server stayed away too long (False)."""
    running = asyncio.create_task(worker.run())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if stop.is_set():
        await worker.shutdown()
        with contextlib.suppress(Exception):
            await running
        return True
    stopping.cancel()
    try:
        running.result()
    except Exception:
        log.exception("worker stopped with an error; starting it again")
    return False


async def run(settings: Settings) -> None:
    """The worker process: recovers by itself from Temporal restarts (a supervisor restarts it after a crash)."""
    rebound_logging.configure(settings)
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    client = await _connect(settings, stop)
    if client is None:
        await engine.dispose()
        return
    log.info("worker on task queue %s at %s", settings.temporal_task_queue, settings.temporal_address)
    if settings.worker_metrics_address:
        log.info("worker metrics at http://%s/metrics", settings.worker_metrics_address)
    sweeper = asyncio.create_task(_sweep_forever(client, settings, sessionmaker))
    mailer = asyncio.create_task(_send_mail_forever(settings, sessionmaker))
    relay = asyncio.create_task(relay_webhooks_forever(client, settings, sessionmaker))
    partners = http_partners(settings)
    while not await _work_until(stop, build_worker(client, settings, sessionmaker, partners)):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=2)
    for task in (sweeper, mailer, relay):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await engine.dispose()
