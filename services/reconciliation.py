"""Reconciliation use cases: import a settlement report, resolve its discrepancies, export a run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Discrepancy, ReconciliationRun
from db.repositories.finance import (
    count_open_discrepancies,
    get_discrepancy_for_update,
    get_run,
    provider_refunds_by_keys,
    provider_refunds_in,
    unpaid_provider_refunds,
)
from domain.errors import Conflict, InvalidInput, NotFound
from domain.period import Period
from domain.reconciliation import Finding, Matcher
from domain.settlement import RowFields
from services.csv_text import csv_lines, inert_text, major_units
from services.settlement_file import DEFAULT_MAX_BYTES, SettlementFile

BATCH_ROWS = 250  # small enough to stay in the CPU cache while it is converted column by column
LOOKUP_ROWS = 4000  # refund rows per query: two IN lists of this size stay far below every driver's limit
Progress = Callable[[int, int], None]  # rows read so far, bytes read so far


async def run_reconciliation(
    session: AsyncSession,
    stream: IO[bytes],
    *,
    filename: str,
    actor: str,
    period: Period | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    on_progress: Progress | None = None,
) -> ReconciliationRun:
    """Match the provider's report against our refunds and keep the run; a malformed file stores nothing."""
    report = SettlementFile(stream, max_bytes=max_bytes)
    matcher = Matcher()
    if period is not None:  # one streamed query up front instead of a lookup per few thousand rows
        async for known in provider_refunds_in(session, period):
            matcher.know(known)
    pending: list[RowFields] = []  # refund rows waiting for one lookup of our refunds behind all of them
    lookup = _Lookup(session, matcher)
    counted = 0
    try:
        for batch in report.batches(BATCH_ROWS):
            matcher.count(batch.tally)
            pending += batch.refunds
            if len(pending) >= LOOKUP_ROWS or matcher.tally.rows - counted >= 50_000:
                await lookup.start(pending)
                pending = []
                counted = matcher.tally.rows
                if on_progress is not None:
                    on_progress(matcher.tally.rows, report.bytes_read)
            await lookup.serve()
    except BaseException:
        await lookup.abandon()  # a malformed line: the query in flight ends before the session is rolled back
        raise
    await lookup.start(pending)
    await lookup.finish()
    tally = matcher.tally
    if period is None and tally.first_at is not None and tally.last_at is not None:
        period = Period.covering(tally.first_at, tally.last_at)
    if period is not None:
        matcher.missing(await unpaid_provider_refunds(session, period, matcher.settled_ids))
    outcome = matcher.outcome()
    # Written only now, after the whole file parsed: a malformed report raised above and left no trace.
    run = ReconciliationRun(
        filename=filename[:255] or "settlement.csv",
        period_from=period.start if period else None,
        period_to=period.end if period else None,
        status="open" if outcome.findings else "reconciled",
        rows_total=tally.rows,
        refund_rows=outcome.refund_rows,
        matched=outcome.matched,
        discrepancy_count=len(outcome.findings),
        totals={
            currency: {"rows": t.rows, "gross": t.gross, "fees": t.fees, "net": t.net}
            for currency, t in sorted(tally.totals.items())
        },
        created_by=actor,
        created_at=datetime.now(UTC),
        discrepancies=[_discrepancy(f) for f in outcome.findings],
    )
    session.add(run)
    await session.flush()
    return run


class _Lookup:
    """Finds our refunds behind the report's refund rows while the next rows are parsed: one query runs at a time
    (the database works in its own thread or server meanwhile), and rows are matched in file order once their
    query has answered."""

    def __init__(self, session: AsyncSession, matcher: Matcher) -> None:
        self._session, self._matcher = session, matcher
        self._task: asyncio.Task[None] | None = None
        self._rows: list[RowFields] = []

    async def start(self, rows: list[RowFields]) -> None:
        await self.finish()
        self._rows = rows
        self._task = asyncio.create_task(_find(self._session, self._matcher, rows))
        await asyncio.sleep(0)  # sends the query; a long report also never holds the event loop for long

    async def serve(self) -> None:
        """Let the query in flight take its next step (a driver round trip) between batches."""
        if self._task is not None and not self._task.done():
            await asyncio.sleep(0)

    async def finish(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            await task
            self._matcher.match(self._rows)
            self._rows = []

    async def abandon(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            await asyncio.gather(task, return_exceptions=True)


async def _find(session: AsyncSession, matcher: Matcher, rows: list[RowFields]) -> None:
    """Our refunds behind many rows in one query by provider id (not one per row), a second by reference for the
    rows it did not find (a row found by its provider id never looks at its reference)."""
    ids = matcher.unknown_ids(rows)
    if ids:
        matcher.know(await provider_refunds_by_keys(session, txn_ids=ids))
        references = matcher.unknown_references(rows)
        if references:
            matcher.know(await provider_refunds_by_keys(session, references=references))


def _discrepancy(finding: Finding) -> Discrepancy:
    expected, actual = finding.expected, finding.actual
    return Discrepancy(
        kind=finding.kind.value,
        provider_txn_id=finding.provider_txn_id,
        reference=finding.reference,
        expected_minor=expected.minor if expected else None,
        expected_currency=expected.currency if expected else None,
        actual_minor=actual.minor if actual else None,
        actual_currency=actual.currency if actual else None,
        line=finding.line,
    )


async def read_run(session: AsyncSession, run_id: int) -> ReconciliationRun:
    """A kept run with its discrepancies, for finance to review or export."""
    run = await get_run(session, run_id, with_discrepancies=True)
    if run is None:
        raise NotFound(f"no reconciliation run {run_id}", code="reconciliation_not_found")
    return run


async def resolve_discrepancy(session: AsyncSession, discrepancy_id: int, note: str, actor: str) -> Discrepancy:
    """Close one discrepancy with finance's explanation (kept, with who and when); the last one closes its run."""
    note = note.strip()
    if not note or len(note) > 2000:
        raise InvalidInput("say in 1 to 2000 characters how this was resolved", fields={"note": "1-2000 characters"})
    found = await get_discrepancy_for_update(session, discrepancy_id)
    if found is None:
        raise NotFound(f"no discrepancy {discrepancy_id}", code="discrepancy_not_found")
    if found.resolved_at is not None:
        raise Conflict(
            f"discrepancy {discrepancy_id} was already resolved by {found.resolved_by}",
            code="discrepancy_already_resolved",
        )
    found.resolved_at, found.resolved_by, found.resolution_note = datetime.now(UTC), actor, note
    await session.flush()
    if await count_open_discrepancies(session, found.run_id) == 0:
        run = await get_run(session, found.run_id)
        if run is not None:
            run.status = "resolved"
            await session.flush()
    return found


DISCREPANCY_COLUMNS = [
    "kind",
    "provider_txn_id",
    "reference",
    "expected_amount",
    "expected_currency",
    "actual_amount",
    "actual_currency",
    "line",
    "resolved_at",
    "resolved_by",
    "resolution_note",
]
_EXPORT_COLUMNS = ["record", "currency", "rows", "gross", "fees", "net", *DISCREPANCY_COLUMNS]


def export_csv(run: ReconciliationRun) -> Iterator[str]:
    """The run as CSV lines: totals per currency, then every discrepancy; amounts in major units for spreadsheets."""
    rows: list[list[object]] = [list(_EXPORT_COLUMNS)]
    for currency, t in run.totals.items():
        sums = [major_units(t[k], currency) for k in ("gross", "fees", "net")]
        rows.append(["total", currency, t["rows"], *sums, *[""] * 11])
    for d in run.discrepancies:
        rows.append(
            [
                *("discrepancy", "", "", "", "", "", d.kind, inert_text(d.provider_txn_id), inert_text(d.reference)),
                *(major_units(d.expected_minor, d.expected_currency), d.expected_currency or ""),
                *(major_units(d.actual_minor, d.actual_currency), d.actual_currency or ""),
                *(d.line or "", d.resolved_at.isoformat() if d.resolved_at else ""),
                *(inert_text(d.resolved_by), inert_text(d.resolution_note)),
            ]
        )
    return csv_lines(rows)
