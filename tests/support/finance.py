"""Typed builders for finance tests: our refunds and ledger legs as rows, settlement reports as CSV bytes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LedgerEntry, Refund, ReturnCase
from domain.money import Money
from domain.settlement import COLUMNS
from tests.support.factories import create_case

AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
_numbers = itertools.count(1)


def major(minor: int, currency: str = "CNY") -> str:
    """Minor units as the provider writes them: decimal major units ('-12.30', JPY '1299')."""
    return f"{Money(minor, currency).to_decimal():f}"


def refund_line(
    txn_id: str, reference: str, amount: int, *, currency: str = "CNY", created: datetime = AT
) -> list[str]:
    """A refund paid out: the report signs it negative, no fee."""
    return [
        txn_id,
        "refund",
        major(-amount, currency),
        major(0, currency),
        major(-amount, currency),
        currency,
        created.isoformat(),
        f"po_{created:%Y%m%d}",
        reference,
    ]


def charge_line(txn_id: str, amount: int, *, fee: int = 0, currency: str = "CNY", created: datetime = AT) -> list[str]:
    return [
        txn_id,
        "charge",
        major(amount, currency),
        major(fee, currency),
        major(amount - fee, currency),
        currency,
        created.isoformat(),
        f"po_{created:%Y%m%d}",
        "",
    ]


def report(*lines: list[str], header: tuple[str, ...] | list[str] = COLUMNS) -> bytes:
    """A settlement report file as a provider exports it (UTF-8, header first)."""
    return ("\n".join(",".join(fields) for fields in [list(header), *lines]) + "\n").encode()


async def refund_case(session: AsyncSession) -> ReturnCase:
    """A return case our refunds can hang on."""
    return await create_case(session, number=f"R-2026-{next(_numbers):06d}")


async def create_refund(
    session: AsyncSession,
    case: ReturnCase,
    *,
    key: str | None = None,
    amount: int = 1_000,
    currency: str = "CNY",
    status: str = "succeeded",
    provider_refund_id: str | None = None,
    tender: str = "card",
    created_at: datetime = AT,
) -> Refund:
    """One refund part as the refund workflow leaves it (succeeded and with the provider's id by default)."""
    n = next(_numbers)
    refund = Refund(
        case_id=case.id,
        n=n,
        tender_position=0,
        idempotency_key=key or f"refund-{case.number}-{n}-0",
        kind="refund",
        tender_type=tender,
        charge_id="ch_test",
        amount_minor=amount,
        currency=currency,
        status=status,
        provider_refund_id=provider_refund_id,
        created_at=created_at,
        updated_at=created_at,
    )
    session.add(refund)
    await session.flush()
    return refund


async def create_ledger_leg(
    session: AsyncSession,
    *,
    txn_id: str,
    account: str,
    amount: int,
    currency: str = "CNY",
    type_: str = "refund",
    at: datetime = AT,
    case: ReturnCase | None = None,
) -> LedgerEntry:
    leg = LedgerEntry(
        txn_id=txn_id,
        case_id=case.id if case else None,
        type=type_,
        account=account,
        amount_minor=amount,
        currency=currency,
        reference=txn_id,
        at=at,
    )
    session.add(leg)
    await session.flush()
    return leg
