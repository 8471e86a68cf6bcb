"""Gap-tolerant named counters, safe under concurrent callers on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Counter


async def next_value(session: AsyncSession, name: str) -> int:
    """Increment and return the counter (created at 1); the row lock serialises concurrent transactions."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(Counter).values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"]))
    value = await session.scalar(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    )
    assert value is not None
    return int(value)
