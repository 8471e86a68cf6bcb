"""The ledger as an end-to-end test reads it: one case's entries by type, and the books' balance after a path."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select

from db.models import LedgerEntry, ReturnCase
from tests.support.stack import Stack


async def ledger_of(stack: Stack, number: str) -> dict[str, list[tuple[str, int]]]:
    """A case's entries grouped by type, each as (account, signed minor units), in booking order."""
    async with stack.sessionmaker() as s:
        rows = await s.scalars(
            select(LedgerEntry)
            .join(ReturnCase, ReturnCase.id == LedgerEntry.case_id)
            .where(ReturnCase.number == number)
            .order_by(LedgerEntry.id)
        )
        out: dict[str, list[tuple[str, int]]] = {}
        for e in rows:
            out.setdefault(e.type, []).append((e.account, e.amount_minor))
        return out


async def assert_books_balance(stack: Stack, *, booked: Collection[str] = ()) -> None:
    """Every case's entries (and any not tied to a case) net to zero per currency, so the whole ledger does too.
    A path where no money moved passes with no entries at all; each case in `booked` must have some."""
    async with stack.sessionmaker() as s:
        rows = (
            await s.execute(
                select(ReturnCase.number, LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
                .outerjoin(ReturnCase, ReturnCase.id == LedgerEntry.case_id)
                .group_by(ReturnCase.number, LedgerEntry.currency)
            )
        ).all()
    per_case = {(number, currency): int(total) for number, currency, total in rows}
    assert {key: total for key, total in per_case.items() if total != 0} == {}, per_case
    assert all(total == 0 for total in (await stack.ledger_balance()).values()), await stack.ledger_balance()
    unbooked = set(booked) - {number for number, _ in per_case}
    assert not unbooked, f"money moved on {sorted(unbooked)} but nothing was booked"
