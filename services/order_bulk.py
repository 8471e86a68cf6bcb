"""Inserting many new orders at once (the CSV import): a handful of statements per batch instead of a dozen
per order. Existing orders still go through the one-by-one upsert, which knows how to change them.

Rows are inserted with one driver-level executemany per table: the statement is compiled once per dialect and
each value goes through the column type's own bind processor (UTC timestamps, JSON, booleans), exactly what a
Core insert would send, without Core's per-row parameter bookkeeping, which cost several times the insert.

An order waits for its batch as tuples of plain values (`NewOrder`, gathered in `NewOrders`): the garbage
collector stops tracking such tuples at its first pass, where a batch of objects with dicts and lists kept it busy,
each of its passes during a long import traversing the batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import repeat
from operator import itemgetter
from typing import Any, NamedTuple, cast

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

# The columns of `order_columns` (less ship_to), `line_columns` and `tender_columns`, in NewOrder's order.
ORDER_KEYS = (
    "currency",
    "placed_at",
    "delivered_at",
    "channel",
    "ship_to_country",
    "shipping_minor",
    "discount_minor",
    "insurance_shipping_fee",
    "insurance_transit",
    "export_reference",
)
LINE_KEYS = (
    "position",
    "line_id",
    "sku",
    "title",
    "category",
    "tags",
    "quantity",
    "unit_price_minor",
    "tax_minor",
    "hs_code",
    "origin_country",
    "weight_g",
)
TENDER_KEYS = ("position", "type", "amount_minor", "provider_charge_id")


class NewOrder(NamedTuple):
    """An order ready to insert: what `order_columns`, `line_columns` and `tender_columns` make of an
    `OrderInput`, as tuples of values in the order of ORDER_KEYS, LINE_KEYS (a line's tags as a tuple) and
    TENDER_KEYS; ship_to apart."""

    number: str
    customer: tuple[str, str, str | None, str]  # email, name, phone, locale
    columns: tuple[Any, ...]
    ship_to: dict[str, Any]
    lines: tuple[tuple[Any, ...], ...]
    tenders: tuple[tuple[Any, ...], ...]


_ORDER, _LINE, _TENDER = itemgetter(*ORDER_KEYS), itemgetter(*LINE_KEYS), itemgetter(*TENDER_KEYS)


def new_order(data: OrderInput) -> NewOrder:
    c = data.customer
    columns = order_columns(data)
    lines = [line_columns(data, i) for i in range(len(data.lines))]
    tenders = [tender_columns(data, i) for i in range(len(data.tenders))]
    if set(columns) != {*ORDER_KEYS, "ship_to"} or any(set(x) != set(LINE_KEYS) for x in lines):
        raise AssertionError("order_columns or line_columns changed: ORDER_KEYS and LINE_KEYS must follow")
    if any(set(x) != set(TENDER_KEYS) for x in tenders):
        raise AssertionError("tender_columns changed: TENDER_KEYS must follow")
    for line in lines:
        line["tags"] = tuple(line["tags"])
    return NewOrder(
        number=data.number,
        customer=(c.email, c.name, c.phone, c.locale),
        columns=_ORDER(columns),
        ship_to=columns["ship_to"],
        lines=tuple(map(_LINE, lines)),
        tenders=tuple(map(_TENDER, tenders)),
    )


async def existing_numbers(session: AsyncSession, numbers: list[str]) -> set[str]:
    return {number for (number,) in await _select_in(session, ORDERS, ("number",), "number", numbers)}


Processor = Callable[[Any], Any] | None
IN_CHUNK = 1024  # values per IN (...) list: within SQLite's and asyncpg's limits on parameters


@lru_cache(maxsize=64)
def _compiled(table: Table, keys: tuple[str, ...], dialect: Dialect) -> tuple[str, tuple[tuple[str, Processor], ...]]:
    """The INSERT in the dialect's own SQL and parameter style, and the bind processor of each parameter."""
    compiled = insert(table).inline().compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup or ())
    if not compiled.positional or set(names) != set(keys):
        # A column with a Python-side default we do not fill, or a driver with named parameters: not for here.
        raise ValueError(f"cannot bulk insert {table.name} with the columns {keys} on {dialect.name}")
    return compiled.string, tuple((k, table.c[k].type.dialect_impl(dialect).bind_processor(dialect)) for k in names)


@lru_cache(maxsize=64)
def _compiled_in(table: Table, columns: tuple[str, ...], key: str, size: int, dialect: Dialect) -> str:
    """SELECT `columns` WHERE `key` IN (`size` parameters), in the dialect's SQL; only for columns whose values
    come back from the driver as they are (no result processor), and a key without a bind processor."""
    names = [f"v{i}" for i in range(size)]
    stmt = select(*(table.c[c] for c in columns)).where(table.c[key].in_([bindparam(n) for n in names]))
    compiled = stmt.compile(dialect=dialect)
    types = [table.c[c].type.dialect_impl(dialect) for c in columns]
    if (
        not compiled.positional
        or list(compiled.positiontup or ()) != names
        or table.c[key].type.dialect_impl(dialect).bind_processor(dialect) is not None
        or any(t.result_processor(dialect, t) is not None for t in types)
    ):
        raise ValueError(f"cannot look {table.name} up by {key} with a plain driver statement on {dialect.name}")
    return compiled.string


async def _select_in(
    session: AsyncSession, table: Table, columns: tuple[str, ...], key: str, values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """The rows of `table` whose `key` is one of `values`, as plain tuples of `columns`: one driver statement per
    IN_CHUNK values, compiled once per size (rounded up to a power of two, padded with a repeated value)."""
    if not values:
        return []
    conn = await session.connection()
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        size = max(16, 1 << (len(chunk) - 1).bit_length())
        chunk += [chunk[-1]] * (size - len(chunk))
        result = await conn.exec_driver_sql(_compiled_in(table, columns, key, size, conn.dialect), tuple(chunk))
        found.extend(tuple(row) for row in result)
    return found


def _bound(process: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """`process` applied to each value. A tuple stands for a JSON list of plain values (an order line's tags, a
    handful of distinct ones in a file): processed as a list, once per distinct content."""
    if not values or type(values[0]) is not tuple:
        return list(map(process, values))
    memo = {value: process(list(value)) for value in set(values)}
    return [memo[value] for value in values]


async def _insert(session: AsyncSession, table: Table, columns: dict[str, Sequence[Any]], **same: Any) -> None:
    """One executemany into `table`: `columns` holds each column's values (lists of equal length), `same` the
    values every row shares. Each value goes through its column type's bind processor, as in a Core insert."""
    size = len(next(iter(columns.values())))
    if not size:
        return
    conn = await session.connection()
    sql, spec = _compiled(table, (*columns, *same), conn.dialect)
    values: list[Iterable[Any]] = []
    for k, process in spec:
        if k in same:
            values.append(repeat(same[k] if process is None else process(same[k]), size))
        else:
            values.append(columns[k] if process is None else _bound(process, columns[k]))
    await conn.exec_driver_sql(sql, list(zip(*values, strict=False)))


class NewOrders:
    """The orders of one bulk insert: for each table a list of row tuples; a line's or tender's order by its
    index in the batch."""

    def __init__(self) -> None:
        self.numbers: list[str] = []
        self.customers: list[tuple[str, str, str | None, str]] = []
        self.orders: list[tuple[Any, ...]] = []
        self.ship_to: list[dict[str, Any]] = []
        self.lines: list[tuple[Any, ...]] = []
        self.line_orders: list[int] = []
        self.tenders: list[tuple[Any, ...]] = []
        self.tender_orders: list[int] = []

    def __len__(self) -> int:
        return len(self.numbers)

    def add(self, order: NewOrder) -> None:
        at = len(self.numbers)
        self.numbers.append(order.number)
        self.customers.append(order.customer)
        self.orders.append(order.columns)
        self.ship_to.append(order.ship_to)
        self.lines += order.lines
        self.line_orders += [at] * len(order.lines)
        self.tenders += order.tenders
        self.tender_orders += [at] * len(order.tenders)

    def without(self, numbers: set[str]) -> NewOrders:
        """The batch less the orders with these numbers."""
        if numbers.isdisjoint(self.numbers):
            return self
        kept = {old: new for new, old in enumerate(i for i, n in enumerate(self.numbers) if n not in numbers)}
        rest = NewOrders()
        rest.numbers = [self.numbers[i] for i in kept]
        rest.customers = [self.customers[i] for i in kept]
        rest.orders = [self.orders[i] for i in kept]
        rest.ship_to = [self.ship_to[i] for i in kept]
        for rows, owners, rest_rows, rest_owners in (
            (self.lines, self.line_orders, rest.lines, rest.line_orders),
            (self.tenders, self.tender_orders, rest.tenders, rest.tender_orders),
        ):
            for row, at in zip(rows, owners, strict=True):
                if at in kept:
                    rest_rows.append(row)
                    rest_owners.append(kept[at])
        return rest

    def order(self, i: int) -> NewOrder:
        """The batch's i-th order as it was added (for tests: it scans the whole batch)."""
        return NewOrder(
            self.numbers[i],
            self.customers[i],
            self.orders[i],
            self.ship_to[i],
            tuple(line for line, at in zip(self.lines, self.line_orders, strict=True) if at == i),
            tuple(tender for tender, at in zip(self.tenders, self.tender_orders, strict=True) if at == i),
        )


async def _customer_ids(session: AsyncSession, batch: NewOrders) -> dict[str, int]:
    """Customers by email: the last order of the batch names them, as the one-by-one upsert would leave them."""
    latest = {c[0]: c for c in batch.customers}
    c = CUSTOMERS.c
    found: dict[str, int] = {}
    known: list[dict[str, Any]] = []
    for cid, email, name, locale, phone in await _select_in(
        session, CUSTOMERS, ("id", "email", "name", "locale", "phone"), "email", list(latest)
    ):
        found[email] = cid
        _, new_name, new_phone, new_locale = latest[email]
        # As the one-by-one upsert: name and language follow the latest order; a phone is kept unless replaced.
        # A customer left as they are is not written, as the ORM would not write them.
        if (new_name, new_locale, new_phone or phone) != (name, locale, phone):
            known.append({"cid": cid, "n": new_name, "l": new_locale, "p": new_phone})
    if known:
        base = update(CUSTOMERS).where(c.id == bindparam("cid"))  # Core executemany: one parameter set each
        phoned = [k for k in known if k["p"]]
        bare = [{"cid": k["cid"], "n": k["n"], "l": k["l"]} for k in known if not k["p"]]
        if phoned:
            await session.execute(base.values(name=bindparam("n"), locale=bindparam("l"), phone=bindparam("p")), phoned)
        if bare:
            await session.execute(base.values(name=bindparam("n"), locale=bindparam("l")), bare)
    new = [customer for email, customer in latest.items() if email not in found]
    if new:
        now = utcnow()
        emails, names, phones, locales = (list(column) for column in zip(*new, strict=True))
        await _insert(
            session,
            CUSTOMERS,
            {"email": emails, "name": names, "phone": phones, "locale": locales},
            created_at=now,
            updated_at=now,
        )
        found.update(dict(await _select_in(session, CUSTOMERS, ("email", "id"), "email", emails)))
    return found


async def insert_new_orders(session: AsyncSession, batch: NewOrders) -> None:
    """Insert orders known to be new (the caller checked their numbers, inside the same transaction)."""
    if not batch:
        return
    customers = await _customer_ids(session, batch)
    now = utcnow()
    columns: dict[str, Sequence[Any]] = {
        "number": batch.numbers,
        "customer_id": [customers[c[0]] for c in batch.customers],
        "ship_to": batch.ship_to,
        **dict(zip(ORDER_KEYS, zip(*batch.orders, strict=True), strict=True)),
    }
    await _insert(session, ORDERS, columns, created_at=now, updated_at=now)
    found = dict(await _select_in(session, ORDERS, ("number", "id"), "number", batch.numbers))
    ids = [found[number] for number in batch.numbers]
    for table, keys, rows, owners in (
        (LINES, LINE_KEYS, batch.lines, batch.line_orders),
        (TENDERS, TENDER_KEYS, batch.tenders, batch.tender_orders),
    ):
        if rows:
            values = dict(zip(keys, zip(*rows, strict=True), strict=True))
            await _insert(session, table, {"order_id": [ids[i] for i in owners], **values})
