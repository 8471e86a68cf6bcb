"""Inserting many new orders at once (the CSV import): a handful of statements per batch instead of a dozen
per order. Existing orders still go through the one-by-one upsert, which knows how to change them."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, Order, OrderLine, Tender
from services.order_input import OrderInput
from services.orders import line_columns, order_columns, tender_columns


async def existing_numbers(session: AsyncSession, numbers: list[str]) -> set[str]:
    if not numbers:
        return set()
    return set(await session.scalars(select(Order.number).where(Order.number.in_(numbers))))


async def _customer_ids(session: AsyncSession, orders: list[OrderInput]) -> dict[str, int]:
    """Customers by email: the last row of the batch names them, as the one-by-one upsert would leave them."""
    latest = {o.customer.email: o.customer for o in orders}
    found = {
        email: cid
        for cid, email in await session.execute(select(Customer.id, Customer.email).where(Customer.email.in_(latest)))
    }
    known = [{"cid": found[e], "n": c.name, "l": c.locale, "p": c.phone} for e, c in latest.items() if e in found]
    if known:
        # As the one-by-one upsert: name and language follow the latest order; a phone is kept unless replaced.
        table = cast(Table, Customer.__table__)  # Core executemany: one UPDATE statement, a parameter set per customer
        base = update(table).where(table.c.id == bindparam("cid"))
        phoned = [k for k in known if k["p"]]
        bare = [{"cid": k["cid"], "n": k["n"], "l": k["l"]} for k in known if not k["p"]]
        if phoned:
            await session.execute(base.values(name=bindparam("n"), locale=bindparam("l"), phone=bindparam("p")), phoned)
        if bare:
            await session.execute(base.values(name=bindparam("n"), locale=bindparam("l")), bare)
    new = [
        {"email": e, "name": c.name, "phone": c.phone, "locale": c.locale} for e, c in latest.items() if e not in found
    ]
    if new:
        rows = await session.execute(insert(Customer).returning(Customer.id, Customer.email), new)
        found.update({email: cid for cid, email in rows})
    return found


async def insert_new_orders(session: AsyncSession, orders: list[OrderInput]) -> None:
    """Insert orders known to be new (the caller checked their numbers, inside the same transaction)."""
    if not orders:
        return
    customers = await _customer_ids(session, orders)
    rows = await session.execute(
        insert(Order).returning(Order.id, Order.number),
        [{"number": o.number, "customer_id": customers[o.customer.email], **order_columns(o)} for o in orders],
    )
    ids = {number: oid for oid, number in rows}
    lines = [{"order_id": ids[o.number], **line_columns(o, i)} for o in orders for i in range(len(o.lines))]
    tenders = [{"order_id": ids[o.number], **tender_columns(o, i)} for o in orders for i in range(len(o.tenders))]
    await session.execute(insert(OrderLine), lines)
    await session.execute(insert(Tender), tenders)
