"""Reconcile 1,000,000 settlement rows (10 % refunds, all on file in SQLite) against parsing the same file with
the csv module alone, in the same run. Goal: at most 3x the baseline, with memory bounded by refunds, not rows.
REBOUND_BENCH_ROWS overrides the row count for a quick look."""

from __future__ import annotations

import asyncio
import csv
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench.memory

from sqlalchemy import create_engine

from bench.memory import peak_rss_mb, probe_peak_mb
from core.settings import Settings
from db.base import Base
from db.session import create_engine as create_async_engine
from db.session import create_sessionmaker
from domain.period import Period
from services.reconciliation import run_reconciliation

T = TypeVar("T")
ROWS = int(os.environ.get("REBOUND_BENCH_ROWS", "1000000"))
REFUND_EVERY = 10
START = datetime(2026, 3, 1, tzinfo=UTC)
HEADER = ["id", "type", "amount", "fee", "net", "currency", "created", "payout_id", "reference"]


def major(minor: int) -> str:
    return f"{'-' if minor < 0 else ''}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def _stored(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy keeps a UTC datetime in SQLite


def generate(path: Path, db: Path) -> dict[str, int]:
    """The report, plus our refunds behind its refund rows, with a few planted discrepancies of every kind."""
    rnd = random.Random(7)
    refunds: list[tuple[object, ...]] = []
    planted = {"amount_mismatch": 0, "unknown_at_provider": 0, "duplicate": 0, "missing_at_provider": 0}
    step = timedelta(days=28) / ROWS
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        for i in range(ROWS):
            moment = START + step * i
            at, stored = moment.isoformat(timespec="microseconds"), _stored(moment)
            amount = rnd.randint(100, 500_000)
            if i % REFUND_EVERY:
                fee = (amount * 29 + 500) // 1000
                row = [f"ch_{i:010d}", "charge", major(amount), major(fee), major(amount - fee), "CNY", at]
                writer.writerow([*row, f"po_{at[:10]}", ""])
                continue
            key = f"refund-R-2026-{i:07d}-1-0"
            writer.writerow([f"re_{i:010d}", "refund", major(-amount), "0.00", major(-amount), "CNY", at, "po", key])
            ours = amount
            if i and i % 9973 == 0:
                ours, planted["amount_mismatch"] = amount + 1, planted["amount_mismatch"] + 1
            if i and i % 10007 == 0:
                planted["unknown_at_provider"] += 1
                continue
            if i and i % 10009 == 0:  # the provider reports this refund twice
                writer.writerow([f"re_{i:010d}", "refund", major(-amount), "0.00", major(-amount), "CNY", at, "", key])
                planted["duplicate"] += 1
            refunds.append((key, "refund", "card", f"re_{i:010d}", ours, "CNY", "succeeded", stored, stored))
    for n in range(50):  # paid by us, never reported by the provider
        stored = _stored(START + timedelta(days=n % 28))
        refunds.append((f"refund-R-2026-missing-{n}", "refund", "card", None, 999, "CNY", "succeeded", stored, stored))
        planted["missing_at_provider"] += 1
    Base.metadata.create_all(create_engine(f"sqlite:///{db}"))
    with sqlite3.connect(db) as conn:  # foreign keys off: the bench needs refunds, not orders and cases behind them
        conn.executemany(
            "INSERT INTO refunds (case_id, n, tender_position, idempotency_key, kind, tender_type, provider_refund_id,"
            " amount_minor, currency, status, created_at, updated_at) VALUES (1, 1, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            refunds,
        )
    planted["refunds_on_file"] = len(refunds)
    return planted


def baseline(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


async def reconcile(path: Path, settings: Settings, period: Period | None = None) -> dict[str, object]:
    engine = create_async_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            with path.open("rb") as stream:
                run = await run_reconciliation(
                    session, stream, filename=path.name, actor="bench", period=period, max_bytes=None
                )
            kinds: dict[str, int] = {}
            for d in run.discrepancies:
                kinds[d.kind] = kinds.get(d.kind, 0) + 1
            await session.rollback()
            return {"rows": run.rows_total, "matched": run.matched, "kinds": kinds}
    finally:
        await engine.dispose()


def timed(fn: Callable[..., T], *args: Any) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def probe(kind: str, path: Path, db: Path) -> None:
    """Run one side in this fresh process and print its peak resident memory (MB)."""
    if kind == "baseline":
        baseline(path)
    else:
        asyncio.run(reconcile(path, Settings(env="test", database_url=f"sqlite+aiosqlite:///{db}", var_dir=db.parent)))
    print(peak_rss_mb())


def peak_mb(kind: str, path: Path, db: Path) -> float:
    return probe_peak_mb(__file__, kind, str(path), str(db))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path, db = root / "settlement.csv", root / "bench.db"
        gen_s, planted = timed(generate, path, db)
        size_mb = path.stat().st_size / 1e6
        print(f"generated {ROWS:,} rows ({size_mb:.0f} MB) and {planted['refunds_on_file']:,} refunds in {gen_s:.1f}s")
        settings = Settings(env="test", database_url=f"sqlite+aiosqlite:///{db}", var_dir=root)
        march = Period.parse("2026-03-01", "2026-03-31")
        times: dict[str, list[float]] = {"csv": [], "derived": [], "given": []}
        results = []
        for _ in range(2):  # interleaved, best of two: the machine's noise hits every side alike
            base_s, count = timed(baseline, path)
            times["csv"].append(base_s)
            for name, period in (("derived", None), ("given", march)):
                full_s, result = timed(asyncio.run, reconcile(path, settings, period))
                times[name].append(full_s)
                results.append(result)
        assert all(r == results[0] for r in results) and count == ROWS + planted["duplicate"], (results, count)
        result = results[0]
        assert isinstance(result, dict) and result["rows"] == count
        base_s = min(times["csv"])
        print(f"csv module parse (baseline): {base_s:.2f}s")
        for name, label in (("derived", "period from the report"), ("given", "period given, refunds preloaded")):
            full_s = min(times[name])
            print(f"reconciliation, {label}: {full_s:.2f}s  ratio {full_s / base_s:.2f}x (goal <= 3x)")
        print(f"matched {result['matched']:,}; discrepancies {result['kinds']}; planted {planted}")
        csv_mb, recon_mb = peak_mb("baseline", path, db), peak_mb("reconcile", path, db)
        print(
            f"peak RSS for a {size_mb:.0f} MB file: csv parse alone {csv_mb:.0f} MB, reconciliation {recon_mb:.0f} MB"
            f" (the difference holds our {planted['refunds_on_file']:,} refunds' keys, not the rows)"
        )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--probe":
        probe(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
