"""Starting case workflows after the case row is committed, and finding cases whose start was lost."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)

from db.models import ReturnCase
from services.cases import case_start
from workflows.contracts import case_workflow_id
from workflows.return_case import ReturnCaseWorkflow


async def start_case_workflow(client: Client, session: AsyncSession, case: ReturnCase, task_queue: str) -> None:
    """Start (or find, on a retry) the case's workflow, then note it started. Commits that note."""
    start = case_start(case)
    await session.commit()  # no transaction held across the Temporal call
    await client.start_workflow(
        ReturnCaseWorkflow.run,
        start,
        id=case_workflow_id(case.number),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(SearchAttributeKey.for_keyword("CaseNumber"), case.number),
                SearchAttributePair(SearchAttributeKey.for_keyword("CaseStatus"), case.status),
                SearchAttributePair(SearchAttributeKey.for_keyword("Market"), case.market),
            ]
        ),
    )
    await session.execute(update(ReturnCase).where(ReturnCase.id == case.id).values(workflow_started=True))
    await session.commit()


async def unstarted_cases(session: AsyncSession, *, older_than: datetime, limit: int = 100) -> list[ReturnCase]:
    stmt = (
        select(ReturnCase)
        .where(ReturnCase.workflow_started.is_(False), ReturnCase.created_at < older_than)
        .order_by(ReturnCase.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


def sweep_cutoff(now: datetime) -> datetime:
    # Give the API's own start a moment before the sweeper steps in.
    return now - timedelta(seconds=10)
