"""Import a 100,000-row orders CSV (two lines per order) into SQLite against parsing the same file with the csv
module alone, in the same run. Goal: at most 5x the baseline, memory bounded. REBOUND_BENCH_ROWS overrides the
row count for a quick look.

Timing: two rounds, each the baseline then an import into a fresh database, interleaved so that the machine's
noise hits both sides alike; the best of each. Memory: the peak resident size of a fresh process that only parses
the file, and of one that only imports it, and that of an import of twice the rows (bounded: it should barely
grow; what does grow is the row-by-row report and the order numbers seen, a few dozen bytes a row)."""

from __future__ import annotations

import asyncio
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench.memory

from sqlalchemy import create_engine

from bench.memory import peak_rss_mb, probe_peak_mb
from core.settings import Settings
from db.base import Base
from db.session import create_engine as create_async_engine
from db.session import create_sessionmaker
from services.order_import import import_orders
from services.order_rows import COLUMNS

ROWS = int(os.environ.get("REBOUND_BENCH_ROWS", "100000"))


def generate(path: Path, rows: int = ROWS) -> None:
    rnd = random.Random(11)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for i in range(rows):
            order = i // 2
            writer.writerow(
                {
                    "order_number": f"SO-{order:08d}",
                    "placed_at": "2026-11-11T10:00:00+08:00",
                    "delivered_at": "2026-11-13T10:00:00+08:00",
                    "currency": "CNY",
                    "email": f"c{order % 20_000}@example.com",
                    "name": "林美",
                    "ship_to_country": "CN",
                    "ship_to_city": "上海",
                    "line_id": f"L{i % 2 + 1}",
                    "sku": f"SKU-{rnd.randint(1, 5000)}",
                    "title": "纯棉T恤",
                    "category": "apparel",
                    "quantity": rnd.randint(1, 3),
                    "unit_price": f"{rnd.randint(10, 999)}.{rnd.randint(0, 99):02d}",
                }
            )


def baseline(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


async def run_import(path: Path, settings: Settings) -> dict[str, int]:
    engine = create_async_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            with path.open("rb") as stream:
                report = await import_orders(session, stream)
            return report.totals
    finally:
        await engine.dispose()


def fresh_database(root: Path, name: str) -> Settings:
    db = root / f"{name}.db"
    Base.metadata.create_all(create_engine(f"sqlite:///{db}"))
    return Settings(env="test", database_url=f"sqlite+aiosqlite:///{db}", var_dir=root)


def probe(kind: str, path: Path, root: Path) -> None:
    """Run one side in this fresh process and print its peak resident memory (MB)."""
    if kind == "baseline":
        baseline(path)
    else:
        asyncio.run(run_import(path, fresh_database(root, f"probe-{path.stem}")))
    print(peak_rss_mb())


def peak_mb(kind: str, path: Path, root: Path) -> float:
    return probe_peak_mb(__file__, kind, str(path), str(root))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "orders.csv"
        generate(path)
        base: list[float] = []
        full: list[float] = []
        for round_ in range(2):
            start = time.perf_counter()
            rows = baseline(path)
            base.append(time.perf_counter() - start)
            settings = fresh_database(root, f"bench-{round_}")
            start = time.perf_counter()
            totals = asyncio.run(run_import(path, settings))
            full.append(time.perf_counter() - start)
            assert totals == {"imported": rows, "updated": 0, "refused": 0}, totals
        base_s, full_s = min(base), min(full)
        rounds = ", ".join(f"{b:.2f}" for b in base)
        print(f"csv module parse (baseline): {rows:,} rows in {base_s:.2f}s (rounds: {rounds})")
        print(
            f"import: {rows / full_s:,.0f} rows/s ({full_s:.2f}s; rounds: {', '.join(f'{f:.2f}' for f in full)})"
            f"  ratio {full_s / base_s:.1f}x (goal <= 5x)"
        )
        double = root / "orders-x2.csv"
        generate(double, 2 * ROWS)
        csv_mb, import_mb, double_mb = (
            peak_mb("baseline", path, root),
            peak_mb("import", path, root),
            peak_mb("import", double, root),
        )
        print(
            f"peak RSS: csv parse alone {csv_mb:.0f} MB, import {import_mb:.0f} MB, import of {2 * rows:,} rows"
            f" {double_mb:.0f} MB"
        )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--probe":
        probe(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
