"""Keeps each uploaded settlement report (gzip, outside any web root) so its run can be re-run later."""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
from pathlib import Path
from typing import IO, cast

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ReconciliationRun
from domain.errors import Conflict
from domain.period import Period
from services.reconciliation import read_run, run_reconciliation

_COPY = 1 << 20


def report_path(directory: Path, run_id: int) -> Path:
    return directory / "settlements" / f"run-{run_id}.csv.gz"


def _write(directory: Path, run_id: int, stream: IO[bytes]) -> None:
    target = report_path(directory, run_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    stream.seek(0)
    with gzip.open(partial, "wb", compresslevel=6) as out:
        shutil.copyfileobj(stream, out, _COPY)
    os.replace(partial, target)  # a crash mid-write never leaves half a report under the run's name


async def keep_report(directory: Path, run_id: int, stream: IO[bytes]) -> None:
    """Store the report a run was made from (the upload, rewound), off the event loop."""
    await asyncio.to_thread(_write, directory, run_id, stream)


async def rerun(
    session: AsyncSession, directory: Path, run_id: int, *, actor: str, max_bytes: int | None
) -> ReconciliationRun:
    """Reconcile a kept report again against today's refunds (after late webhooks or fixes); a new run is kept."""
    original = await read_run(session, run_id)
    path = report_path(directory, run_id)
    if not path.exists():
        raise Conflict(
            f"the report of run {run_id} was not kept; upload it again to reconcile it", code="report_not_kept"
        )
    period = None
    if original.period_from is not None and original.period_to is not None:
        period = Period(original.period_from, original.period_to)
    with gzip.open(path, "rb") as report:
        run = await run_reconciliation(
            session,
            cast(IO[bytes], report),
            filename=original.filename,
            actor=actor,
            period=period,
            max_bytes=max_bytes,
        )
    await asyncio.to_thread(shutil.copyfile, path, report_path(directory, run.id))
    return run
