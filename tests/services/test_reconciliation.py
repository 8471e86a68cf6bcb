"""Reconciliation runs on SQLite and PostgreSQL: exact discrepancies, clean periods, malformed files store nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Discrepancy, ReconciliationRun
from domain.errors import Conflict, InvalidInput, NotFound
from domain.period import Period
from services.reconciliation import LOOKUP_ROWS, export_csv, read_run, resolve_discrepancy, run_reconciliation
from tests.support.finance import AT, charge_line, create_refund, major, refund_case, refund_line, report


async def _reconcile(sessionmaker, data: bytes, **kwargs) -> ReconciliationRun:
    async with sessionmaker() as session:
        run = await run_reconciliation(session, io.BytesIO(data), filename="report.csv", actor="fiona", **kwargs)
        await session.commit()
        return run


async def _stored(sessionmaker) -> tuple[int, int]:
    async with sessionmaker() as session:
        runs = await session.scalar(select(func.count()).select_from(ReconciliationRun))
        found = await session.scalar(select(func.count()).select_from(Discrepancy))
        return int(runs or 0), int(found or 0)


async def test_one_of_each_discrepancy_is_reported_exactly(sessionmaker) -> None:
    async with sessionmaker() as session:
        case = await refund_case(session)
        await create_refund(session, case, key="k-ok", amount=12_990, provider_refund_id="re_ok")
        await create_refund(session, case, key="k-by-ref", amount=500)  # webhook never told us the provider id
        await create_refund(session, case, key="k-missing", amount=700, provider_refund_id="re_gone")
        await create_refund(session, case, key="k-amount", amount=1_000, provider_refund_id="re_amount")
        await create_refund(session, case, key="k-dup", amount=300, provider_refund_id="re_dup")
        await create_refund(session, case, key="k-gift", amount=900, tender="gift_card")  # never at the provider
        await session.commit()
    data = report(
        charge_line("ch_1", 50_000, fee=1_450),
        refund_line("re_ok", "k-ok", 12_990),
        refund_line("re_ref", "k-by-ref", 500),
        refund_line("re_stranger", "k-nobody", 4_200),
        refund_line("re_amount", "k-amount", 999),
        refund_line("re_dup", "k-dup", 300),
        refund_line("re_dup", "k-dup", 300),
        charge_line("ch_2", 8_800, fee=255, created=AT + timedelta(hours=3)),
    )
    run = await _reconcile(sessionmaker, data)
    assert (run.rows_total, run.refund_rows, run.matched, run.status) == (8, 6, 3, "open")
    found = sorted(
        (d.kind, d.provider_txn_id, d.reference, d.expected_minor, d.actual_minor, d.line) for d in run.discrepancies
    )
    assert found == [
        ("amount_mismatch", "re_amount", "k-amount", 1_000, 999, 6),
        ("duplicate", "re_dup", "k-dup", 300, 300, 8),
        ("missing_at_provider", "re_gone", "k-missing", 700, None, None),
        ("unknown_at_provider", "re_stranger", "k-nobody", None, 4_200, 5),
    ]
    gross = 50_000 + 8_800 - 12_990 - 500 - 4_200 - 999 - 300 - 300
    assert run.totals == {"CNY": {"rows": 8, "gross": gross, "fees": 1_705, "net": gross - 1_705}}
    assert (run.period_from, run.period_to) == (AT.replace(hour=0), AT.replace(hour=0) + timedelta(days=1))
    assert await _stored(sessionmaker) == (1, 4)


async def test_a_clean_period_matches_every_refund(sessionmaker) -> None:
    async with sessionmaker() as session:
        case = await refund_case(session)
        refunds = [
            await create_refund(session, case, amount=100 * n, provider_refund_id=f"re_{n}", currency=currency)
            for n, currency in ((1, "CNY"), (2, "CNY"), (3, "JPY"), (4, "KWD"))
        ]
        await create_refund(session, case, amount=50, status="pending")  # not settled yet: not expected
        await session.commit()
    lines = [
        refund_line(r.provider_refund_id or "", r.idempotency_key, r.amount_minor, currency=r.currency) for r in refunds
    ]
    run = await _reconcile(sessionmaker, report(charge_line("ch_1", 10_000), *lines))
    assert (run.matched, run.refund_rows, run.discrepancy_count, run.status) == (4, 4, 0, "reconciled")
    assert run.discrepancies == []
    assert set(run.totals) == {"CNY", "JPY", "KWD"}
    assert run.totals["JPY"] == {"rows": 1, "gross": -300, "fees": 0, "net": -300}


async def test_refunds_outside_the_period_are_still_recognised(sessionmaker) -> None:
    """A refund we made on the last evening and the provider settled the next morning is not 'unknown'."""
    async with sessionmaker() as session:
        case = await refund_case(session)
        late = await create_refund(
            session, case, amount=800, created_at=AT - timedelta(days=1), provider_refund_id="re_late"
        )
        await session.commit()
    run = await _reconcile(sessionmaker, report(refund_line("re_late", late.idempotency_key, 800)))
    assert (run.matched, run.discrepancy_count) == (1, 0)


async def test_an_explicit_period_decides_what_is_missing(sessionmaker) -> None:
    async with sessionmaker() as session:
        case = await refund_case(session)
        await create_refund(session, case, key="k-in", amount=800, created_at=AT + timedelta(days=5))
        await create_refund(session, case, key="k-out", amount=800, created_at=AT + timedelta(days=40))
        await session.commit()
    period = Period.parse("2026-03-01", "2026-03-31")
    run = await _reconcile(sessionmaker, report(charge_line("ch_1", 1_000)), period=period)
    assert [(d.kind, d.reference) for d in run.discrepancies] == [("missing_at_provider", "k-in")]
    assert run.period_to is not None and run.period_to.isoformat() == "2026-04-01T00:00:00+00:00"


HEADER = "id,type,amount,fee,net,currency,created,payout_id,reference\n"
GOOD = "ch_1,charge,10.00,0.29,9.71,CNY,2026-03-10T10:00:00+00:00,po_1,\n"
MALFORMED = [
    ("wrong columns", "txn,kind,amount\n" + GOOD, "line 1: missing column(s) id, type"),
    ("bad number", HEADER + GOOD + GOOD.replace("10.00,0.29,9.71", "1O.00,0.29,9.71"), "line 3: amount '1O.00'"),
    ("unknown currency", HEADER + GOOD + GOOD.replace("CNY", "ABC"), "line 3: currency 'ABC'"),
    ("wrong field count", HEADER + GOOD * 3 + "ch_9,charge,1.00\n", "line 5: 3 fields where the header has 9"),
    ("unclosed quote", HEADER + GOOD + 'ch_2,charge,"1.00,0,1.00,CNY,2026-03-10,po,\n', "line 3"),
    ("empty file", "", "line 1: the file is empty"),
]


@pytest.mark.parametrize(("case", "text", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_malformed_reports_store_nothing(sessionmaker, case: str, text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        await _reconcile(sessionmaker, text.encode())
    assert message in err.value.detail, err.value.detail
    assert await _stored(sessionmaker) == (0, 0)


async def test_a_bad_line_after_thousands_of_refund_rows_stores_nothing(sessionmaker) -> None:
    """Our refunds behind earlier rows are being looked up while later rows are read: a bad line still leaves no
    run, and the session is fit for the next report."""
    async with sessionmaker() as session:
        case = await refund_case(session)
        known = await create_refund(session, case, amount=700, provider_refund_id="re_known")
        await session.commit()
    rows = [refund_line(f"re_{n}", f"k-{n}", 100 + n) for n in range(LOOKUP_ROWS + 500)]
    good = report(refund_line("re_known", known.idempotency_key, 700), *rows)
    bad = good + b"ch_9,charge,ten,0.00,ten,CNY,2026-03-10T10:00:00+00:00,po,\n"
    with pytest.raises(InvalidInput) as err:
        await _reconcile(sessionmaker, bad)
    assert err.value.detail.startswith(f"line {LOOKUP_ROWS + 503}:"), err.value.detail
    assert await _stored(sessionmaker) == (0, 0)
    run = await _reconcile(sessionmaker, good)
    assert (run.refund_rows, run.matched, run.discrepancy_count) == (LOOKUP_ROWS + 501, 1, LOOKUP_ROWS + 500)


@pytest.mark.parametrize(
    ("case", "data", "message"),
    [
        (
            "latin-1 bytes",
            (HEADER + GOOD * 2 + "ch_2,charge,1.00,0,1.00,CNY,2026-03-10,po,café\n").encode("latin-1"),
            "line 4",
        ),
        ("UTF-16", (HEADER + GOOD).encode("utf-16"), "line 1"),
    ],
)
async def test_wrong_encoding_is_refused_with_its_line(sessionmaker, case: str, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match="UTF-8") as err:
        await _reconcile(sessionmaker, data)
    assert err.value.detail.startswith(message + ":")
    assert await _stored(sessionmaker) == (0, 0)


async def test_a_50_mb_file_is_refused_before_it_is_read(sessionmaker, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.write(HEADER.encode())
        f.write(GOOD.encode() * (50_000_000 // len(GOOD) + 1))
    async with sessionmaker() as session:
        with path.open("rb") as stream, pytest.raises(InvalidInput, match="more than the 50,000,000 allowed"):
            await run_reconciliation(session, stream, filename="huge.csv", actor="fiona")
    assert await _stored(sessionmaker) == (0, 0)


class _Pipe(io.RawIOBase):
    """A stream that cannot say its size (a pipe, a socket): the cap is enforced while reading."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._data.readinto(buffer)


async def test_the_cap_holds_for_streams_of_unknown_size(sessionmaker) -> None:
    data = (HEADER + GOOD * 2_000).encode()
    async with sessionmaker() as session:
        with pytest.raises(InvalidInput, match=r"^line \d+: the file is larger than 10,000 bytes"):
            await run_reconciliation(session, io.BufferedReader(_Pipe(data)), filename="p", actor="f", max_bytes=10_000)
    assert await _stored(sessionmaker) == (0, 0)


async def _one_open_run(sessionmaker) -> ReconciliationRun:
    data = report(refund_line("re_x", "k-x", 100), refund_line("re_y", "k-y", 200))
    return await _reconcile(sessionmaker, data)


async def test_resolving_every_discrepancy_resolves_the_run(sessionmaker) -> None:
    run = await _one_open_run(sessionmaker)
    first, second = run.discrepancies
    async with sessionmaker() as session:
        done = await resolve_discrepancy(session, first.id, "  provider test payout, see ticket 42 ", "fiona")
        await session.commit()
    assert (done.resolved_by, done.resolution_note, done.resolved_at is not None) == (
        "fiona",
        "provider test payout, see ticket 42",
        True,
    )
    async with sessionmaker() as session:
        assert (await read_run(session, run.id)).status == "open"
        with pytest.raises(Conflict, match="already resolved by fiona"):
            await resolve_discrepancy(session, first.id, "again", "gus")
        with pytest.raises(InvalidInput):
            await resolve_discrepancy(session, second.id, "   ", "gus")
        with pytest.raises(NotFound):
            await resolve_discrepancy(session, 10**9, "note", "gus")
        await resolve_discrepancy(session, second.id, "refunded outside Rebound by the old system", "gus")
        await session.commit()
    async with sessionmaker() as session:
        assert (await read_run(session, run.id)).status == "resolved"


async def test_export_lists_totals_then_discrepancies_in_major_units(sessionmaker) -> None:
    run = await _one_open_run(sessionmaker)
    async with sessionmaker() as session:
        await resolve_discrepancy(session, run.discrepancies[0].id, "=HYPERLINK(evil)", "fiona")
        await session.commit()
        lines = list(export_csv(await read_run(session, run.id)))
    assert lines[0].startswith("record,currency,rows,gross,fees,net,kind,provider_txn_id,reference,expected_amount")
    assert lines[1].startswith(f"total,CNY,2,{major(-300)},0.00,{major(-300)},")
    assert lines[2].startswith("discrepancy,,,,,,unknown_at_provider,re_x,k-x,,,1.00,CNY,2,")
    assert lines[2].rstrip().endswith(",fiona,'=HYPERLINK(evil)")  # inert in a spreadsheet
    assert len(lines) == 4
