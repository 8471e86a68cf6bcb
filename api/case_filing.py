"""Opening a return from any edge (storefront API, customer portal) the same way: the merchant's policy and
settings, then — only after the caller's commit — the case's workflow."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.resources import Resources
from db.models import ReturnCase
from services.cases import OpenedCase, open_case
from services.return_input import ReturnInput
from services.starter import start_case_workflow


async def open_return(resources: Resources, session: AsyncSession, data: ReturnInput) -> OpenedCase:
    """Write the case (flushes, never commits): numbered with this deployment's prefix, routed to its warehouse."""
    settings = resources.settings
    return await open_case(
        session,
        data,
        resources.policy,
        now=datetime.now(UTC),
        prefix=settings.case_prefix,
        warehouse_country=settings.warehouse_country,
        repair_country=settings.repair_centre.country,
    )


async def start_workflow(resources: Resources, temporal: Client, session: AsyncSession, case: ReturnCase) -> None:
    """Start the committed case's workflow; if Temporal is away the case is safe and the sweeper starts it."""
    try:
        await start_case_workflow(temporal, session, case, resources.settings.temporal_task_queue)
    except Exception:  # the case is stored; the worker's sweeper retries starting it
        await session.rollback()
