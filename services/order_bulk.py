"""Inserting many new orders at once (the CSV import): a handful of statements per batch instead of a dozen
per order. Existing orders still go through the one-by-one upsert, which knows how to change them.

Rows are inserted with one driver-level executemany per table: the statement is compiled once per dialect and
each value goes through the column type's own bind processor (UTC timestamps, JSON, booleans), exactly what a
Core insert would send, without Core's per-row parameter bookkeeping, which cost several times the insert."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Customer, Order, OrderLine, Tender
from services.order_input import OrderInput
from services.orders import line_columns, order_columns, tender_columns

CUSTOMERS = cast(Table, Customer.__table__)
ORDERS = cast(Table, Order.__table__)
LINES = cast(Table, OrderLine.__table__)
TENDERS = cast(Table, Tender.__table__)


@dataclass(slots=True)
class NewOrder:
    """An order ready to insert: its customer and the column values of the order, its lines and its tenders
    (what `order_columns`, `line_columns` and `tender_columns` make of an `OrderInput`)."""

    number: str
    email: str
    name: str
    phone: str | None
    locale: str
    columns: dict[str, Any]
    lines: list[dict[str, Any]]
    tenders: list[dict[str, Any]]


def new_order(data: OrderInput) -> NewOrder:
    c = data.customer
    return NewOrder(
        number=data.number,
        email=c.email,
        name=c.name,
        phone=c.phone,
        locale=c.locale,
        columns=order_columns(data),
        lines=[line_columns(data, i) for i in range(len(data.lines))],
        tenders=[tender_columns(data, i) for i in range(len(data.tenders))],
    )


async def existing_numbers(session: AsyncSession, numbers: list[str]) -> set[str]:
    if not numbers:
        return set()
    return set(await session.scalars(select(Order.number).where(Order.number.in_(numbers))))


Processor = Callable[[Any], Any] | None


@lru_cache(maxsize=64)
def _compiled(table: Table, keys: tuple[str, ...], dialect: Dialect) -> tuple[str, tuple[tuple[str, Processor], ...]]:
    """The INSERT in the dialect's own SQL and parameter style, and the bind processor of each parameter."""
    compiled = insert(table).inline().compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup or ())
    if not compiled.positional or set(names) != set(keys):
        # A column with a Python-side default we do not fill, or a driver with named parameters: not for here.
        raise ValueError(f"cannot bulk insert {table.name} with the columns {keys} on {dialect.name}")
    return compiled.string, tuple((k, table.c[k].type.dialect_impl(dialect).bind_processor(dialect)) for k in names)


async def _insert(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany of `rows` (all with the same keys) into `table`."""
    if not rows:
        return
    conn = await session.connection()
    sql, spec = _compiled(table, tuple(rows[0]), conn.dialect)
    params = [tuple([row[k] if p is None else p(row[k]) for k, p in spec]) for row in rows]
    await conn.exec_driver_sql(sql, params)


async def _customer_ids(session: AsyncSession, orders: list[NewOrder]) -> dict[str, int]:
    """Customers by email: the last row of the batch names them, as the one-by-one upsert would leave them."""
    latest = {o.email: o for o in orders}
    c = CUSTOMERS.c
    found: dict[str, int] = {}
    known: list[dict[str, Any]] = []
    for cid, email, name, locale, phone in await session.execute(
        select(c.id, c.email, c.name, c.locale, c.phone).where(c.email.in_(latest))
    ):
        found[email] = cid
        o = latest[email]
        # As the one-by-one upsert: name and language follow the latest order; a phone is kept unless replaced.
        # A customer left as they are is not written, as the ORM would not write them.
        if (o.name, o.locale, o.phone or phone) != (name, locale, phone):
            known.append({"cid": cid, "n": o.name, "l": o.locale, "p": o.phone})
    if known:
        base = update(CUSTOMERS).where(c.id == bindparam("cid"))  # Core executemany: one parameter set each
        phoned = [k for k in known if k["p"]]
        bare = [{"cid": k["cid"], "n": k["n"], "l": k["l"]} for k in known if not k["p"]]
        if phoned:
            await session.execute(base.values(name=bindparam("n"), locale=bindparam("l"), phone=bindparam("p")), phoned)
        if bare:
            await session.execute(base.values(name=bindparam("n"), locale=bindparam("l")), bare)
    now = utcnow()
    new = [
        {"email": e, "name": o.name, "phone": o.phone, "locale": o.locale, "created_at": now, "updated_at": now}
        for e, o in latest.items()
        if e not in found
    ]
    if new:
        await _insert(session, CUSTOMERS, new)
        emails = [n["email"] for n in new]
        found.update(
            {email: cid for cid, email in await session.execute(select(c.id, c.email).where(c.email.in_(emails)))}
        )
    return found


async def insert_new_orders(session: AsyncSession, orders: list[NewOrder]) -> None:
    """Insert orders known to be new (the caller checked their numbers, inside the same transaction)."""
    if not orders:
        return
    customers = await _customer_ids(session, orders)
    now = utcnow()
    await _insert(
        session,
        ORDERS,
        [
            {"number": o.number, "customer_id": customers[o.email], **o.columns, "created_at": now, "updated_at": now}
            for o in orders
        ],
    )
    c = ORDERS.c
    ids = dict(
        (number, oid)
        for oid, number in await session.execute(select(c.id, c.number).where(c.number.in_([o.number for o in orders])))
    )
    await _insert(session, LINES, [{"order_id": ids[o.number], **li} for o in orders for li in o.lines])
    await _insert(session, TENDERS, [{"order_id": ids[o.number], **t} for o in orders for t in o.tenders])
