"""Queries for finance: our refunds as reconciliation sees them, reconciliation runs, ledger entries."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Collection, Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ARRAY, ColumnElement, Select, any_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, selectinload

from db.models import Discrepancy, LedgerEntry, ReconciliationRun, Refund, ReturnCase
from domain.period import Period
from domain.reconciliation import PROVIDER_TENDERS, RefundFields

# Only what matching needs, in ExpectedRefund's order: these queries may return many thousands of rows.
_EXPECTED = (
    Refund.id,
    Refund.idempotency_key,
    Refund.provider_refund_id,
    Refund.amount_minor,
    Refund.currency,
    Refund.status,
)
_PARTITION = 1000  # rows converted at a time: result rows die young, before the garbage collector moves them on


def _fields(rows: Iterable[Any]) -> list[RefundFields]:
    # Plain tuples of plain values: the garbage collector stops tracking those (result rows it walks every time).
    return cast(list[RefundFields], [tuple(row) for row in rows])


def _one_of(session: AsyncSession, column: QueryableAttribute[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN values` with the values bound as one parameter: thousands of keys, one bind, one plan."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    if dialect == "sqlite":
        listed = func.json_each(json.dumps(list(values))).table_valued("value")
        return column.in_(select(listed.c.value))
    return column.in_(values)


async def provider_refunds_by_keys(
    session: AsyncSession,
    *,
    txn_ids: Collection[str] = (),
    references: Collection[str] = (),
) -> list[RefundFields]:
    """Our refunds paid through the provider that carry one of these provider ids or idempotency keys."""
    wanted = [
        _one_of(session, column, values)
        for column, values in (
            (Refund.provider_refund_id, txn_ids),
            (Refund.idempotency_key, references),
        )
        if values
    ]
    if not wanted:
        return []
    stmt = select(*_EXPECTED).where(Refund.tender_type.in_(PROVIDER_TENDERS), or_(*wanted))
    return await _plain_rows(session, stmt)


async def _plain_rows(session: AsyncSession, stmt: Select[*tuple[Any, ...]]) -> list[RefundFields]:
    """The statement's rows as plain tuples, fetched by the driver itself on SQLite and PostgreSQL: these lookups
    run for every few thousand report rows, and the driver's own tuples cost half of SQLAlchemy's result rows.
    Binds are converted as SQLAlchemy would (a datetime becomes SQLite's text form) before the driver gets them."""
    connection = await session.connection()
    dialect = connection.dialect
    if dialect.name in ("sqlite", "postgresql"):
        compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        params = compiled.construct_params()
        args = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name if name in compiled.binds else name.rpartition("_")[0]]  # IN: name_1, name_2
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            args.append(convert(params[name]) if convert else params[name])
        driver: Any = (await connection.get_raw_connection()).driver_connection
        if dialect.name == "sqlite":  # aiosqlite: one round trip to its thread, rows already plain tuples
            return cast(list[RefundFields], list(await driver.execute_fetchall(str(compiled), args)))
        return cast(list[RefundFields], [tuple(r) for r in await driver.fetch(str(compiled), *args)])  # asyncpg
    found: list[RefundFields] = []
    for rows in (await connection.execute(stmt)).partitions(_PARTITION):
        found += _fields(rows)
    return found


async def provider_refunds_in(
    session: AsyncSession, period: Period, *, chunk: int = _PARTITION
) -> AsyncIterator[list[RefundFields]]:
    """Every refund we asked the provider for in the period, whatever its status, a chunk at a time."""
    stmt = select(*_EXPECTED).where(
        Refund.tender_type.in_(PROVIDER_TENDERS), Refund.created_at >= period.start, Refund.created_at < period.end
    )
    found = await _plain_rows(session, stmt)  # held in full by the matcher anyway
    for start in range(0, len(found), chunk):
        yield found[start : start + chunk]


async def unpaid_provider_refunds(
    session: AsyncSession, period: Period, settled: Collection[int]
) -> list[RefundFields]:
    """The refunds we made in the period that the provider confirmed, except the `settled` ones (paired with a
    report row): the database leaves out the many settled ones, so only the few missing are sent back."""
    stmt = select(*_EXPECTED).where(
        Refund.status == "succeeded",
        Refund.tender_type.in_(PROVIDER_TENDERS),
        Refund.created_at >= period.start,
        Refund.created_at < period.end,
        ~_one_of(session, Refund.id, settled),
    )
    connection = await session.connection()
    return _fields((await connection.execute(stmt)).all())


async def get_run(session: AsyncSession, run_id: int, *, with_discrepancies: bool = False) -> ReconciliationRun | None:
    stmt = select(ReconciliationRun).where(ReconciliationRun.id == run_id)
    if with_discrepancies:
        stmt = stmt.options(selectinload(ReconciliationRun.discrepancies))
    return (await session.scalars(stmt)).one_or_none()


async def recent_runs(session: AsyncSession, limit: int) -> list[ReconciliationRun]:
    stmt = select(ReconciliationRun).order_by(ReconciliationRun.id.desc()).limit(limit)
    return list(await session.scalars(stmt))


async def get_discrepancy_for_update(session: AsyncSession, discrepancy_id: int) -> Discrepancy | None:
    # Row lock on PostgreSQL: two finance users resolving the same line at once must not both succeed.
    stmt = select(Discrepancy).where(Discrepancy.id == discrepancy_id).with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def count_open_discrepancies(session: AsyncSession, run_id: int) -> int:
    stmt = select(func.count()).where(Discrepancy.run_id == run_id, Discrepancy.resolved_at.is_(None))
    return int(await session.scalar(stmt) or 0)


async def ledger_entries(
    session: AsyncSession,
    *,
    start: datetime | None,
    end: datetime | None,
    currency: str | None,
    type_: str | None,
    after_id: int,
    limit: int,
) -> list[tuple[LedgerEntry, str | None]]:
    """Ledger legs in id order (a stable cursor), each with its case number when it belongs to a case."""
    stmt = (
        select(LedgerEntry, ReturnCase.number)
        .outerjoin(ReturnCase, ReturnCase.id == LedgerEntry.case_id)
        .where(LedgerEntry.id > after_id)
        .order_by(LedgerEntry.id)
        .limit(limit)
    )
    if start is not None:
        stmt = stmt.where(LedgerEntry.at >= start)
    if end is not None:
        stmt = stmt.where(LedgerEntry.at < end)
    if currency is not None:
        stmt = stmt.where(LedgerEntry.currency == currency)
    if type_ is not None:
        stmt = stmt.where(LedgerEntry.type == type_)
    return [(entry, number) for entry, number in await session.execute(stmt)]
