"""Import a 100,000-row orders CSV (two lines per order) into SQLite against parsing the same file with the csv
module alone, in the same run. Goal: at most 5x the baseline, memory bounded. REBOUND_BENCH_ROWS overrides the
row count for a quick look."""

from __future__ import annotations

import asyncio
import csv
import os
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine

from core.settings import Settings
from db.base import Base
from db.session import create_engine as create_async_engine
from db.session import create_sessionmaker
from services.order_import import COLUMNS, import_orders

ROWS = int(os.environ.get("REBOUND_BENCH_ROWS", "100000"))


def generate(path: Path) -> None:
    rnd = random.Random(11)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for i in range(ROWS):
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path, db = root / "orders.csv", root / "bench.db"
        generate(path)
        Base.metadata.create_all(create_engine(f"sqlite:///{db}"))
        settings = Settings(env="test", database_url=f"sqlite+aiosqlite:///{db}", var_dir=root)
        start = time.perf_counter()
        rows = baseline(path)
        base_s = time.perf_counter() - start
        start = time.perf_counter()
        totals = asyncio.run(run_import(path, settings))
        full_s = time.perf_counter() - start
        assert totals["imported"] == rows, totals
        print(f"csv module parse (baseline): {rows:,} rows in {base_s:.2f}s")
        print(f"import: {rows / full_s:,.0f} rows/s ({full_s:.1f}s)  ratio {full_s / base_s:.1f}x (goal <= 5x)")


if __name__ == "__main__":
    main()
