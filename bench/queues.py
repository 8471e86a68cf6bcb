"""The agents' queue and search pages with 100,000 cases in PostgreSQL: p95 of each page (in-process ASGI,
signed in, rendered) against the raw SQL of its main query in the same run. Goal: every page under 100 ms p95.
REBOUND_BENCH_CASES overrides the case count for a quick look."""

from __future__ import annotations

import asyncio
import functools
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx

# The throwaway PostgreSQL and the form helpers live with the tests; this script runs from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app
from core.settings import Settings
from services.access import create_staff_user
from tests.support.databases import PostgresTemplate
from tests.support.html import csrf_from
from tests.support.postgres import TempPostgres, find_bindir

CASES = int(os.environ.get("REBOUND_BENCH_CASES", "100000"))
RUNS = int(os.environ.get("REBOUND_BENCH_RUNS", "60"))
OPEN = (
    "('pending_review','approved','awaiting_shipment','in_transit','customs_hold','received','inspected','resolving')"
)
SEED = f"""
INSERT INTO staff_users (username, password_hash, role, active, failed_logins)
  SELECT 'agent' || g, 'x', 'agent', true, 0 FROM generate_series(1, 40) g;
INSERT INTO customers (email, name, phone, locale)
  SELECT 'c' || g || '@example.com', 'Customer ' || g, '+86138' || lpad(g::text, 8, '0'), 'en'
  FROM generate_series(1, {CASES} / 4) g;
INSERT INTO orders (number, customer_id, currency, placed_at, delivered_at, channel, ship_to_country, ship_to,
                    shipping_minor, discount_minor, insurance_shipping_fee, insurance_transit)
  SELECT 'ORD-' || g, 1 + g % ({CASES} / 4), 'CNY', now() - (g % 300) * interval '1 day',
         now() - (g % 300) * interval '1 day' + interval '2 days', 'web',
         (ARRAY['CN','TW','DE','US'])[1 + g % 4], '{{}}', 0, 0, false, false
  FROM generate_series(1, {CASES}) g;
INSERT INTO return_cases (number, order_id, status, resolution, market, currency, locale, estimate_minor,
                          policy_snapshot, eligibility, customer_token_hash, last_event_seq, workflow_started,
                          assignee_id, sla_due_at, escalated, risk_flags, customer_replied_at, created_at, updated_at)
  SELECT 'R-2026-' || lpad(g::text, 6, '0'), g,
         CASE WHEN g % 10 < 7 THEN 'completed'
              ELSE (ARRAY['pending_review','awaiting_shipment','in_transit','customs_hold','received',
                          'cancelled'])[1 + g % 6]
         END,
         (ARRAY['refund','store_credit','exchange','keep_it'])[1 + g % 4], (ARRAY['CN','TW','DE','US'])[1 + g % 4],
         'CNY', 'en', 1000 + (g * 7919) % 500000, '{{}}', '{{}}', md5(g::text), 3, true,
         CASE WHEN g % 3 = 0 THEN 1 + g % 40 END,
         CASE WHEN g % 10 >= 7 THEN now() + ((g % 97) - 20) * interval '1 hour' END,
         g % 50 = 0,
         (CASE WHEN g % 20 = 0 THEN 1 ELSE 0 END) + (CASE WHEN g % 70 = 0 THEN 2 ELSE 0 END)
           + (CASE WHEN g % 900 = 0 THEN 4 ELSE 0 END),
         CASE WHEN g % 10 >= 7 AND g % 13 = 0 THEN now() - (g % 72) * interval '1 hour' END,
         now() - ({CASES} - g) * interval '2 minutes', now()
  FROM generate_series(1, {CASES}) g;
INSERT INTO shipments (case_id, direction, carrier, tracking_number, status, events)
  SELECT g, 'return', 'sandbox', 'SBX' || lpad(g::text, 9, '0') || 'CN', 'in_transit', '[]'
  FROM generate_series(1, {CASES}) g;
INSERT INTO complaints (case_id, kind, message, status, due_at)
  SELECT g * 97, 'courier', 'late', 'open', now() + interval '1 day' FROM generate_series(1, {CASES} / 1000) g;
ANALYZE;
"""  # noqa: S608 (constants only: the benchmark's own data)
SELECT = (
    "SELECT rc.*, o.number, su.username FROM return_cases rc JOIN orders o ON o.id = rc.order_id "
    "LEFT JOIN staff_users su ON su.id = rc.assignee_id "
)
middle = CASES // 2
SCENARIOS: list[tuple[str, str, str]] = [
    ("queue (newest)", "/workspace", SELECT + "ORDER BY rc.created_at DESC, rc.id DESC LIMIT 51"),
    (
        "saved view: breached SLAs",
        "/workspace?view=breached",
        SELECT + f"WHERE rc.status IN {OPEN} AND (rc.escalated OR rc.sla_due_at < now()) "
        "ORDER BY rc.created_at DESC, rc.id DESC LIMIT 51",
    ),
    (
        "awaiting inspection by value",
        "/workspace?view=inspection&sort=value",
        SELECT + "WHERE rc.status = 'received' ORDER BY rc.estimate_minor DESC, rc.id DESC LIMIT 51",
    ),
    (
        "market + resolution + sla soon",
        "/workspace?market=DE&resolution=refund&sla=soon",
        SELECT + f"WHERE rc.market = 'DE' AND rc.resolution = 'refund' AND rc.status IN {OPEN} "
        "AND NOT rc.escalated AND rc.sla_due_at >= now() AND rc.sla_due_at < now() + interval '1 day' "
        "ORDER BY rc.created_at DESC, rc.id DESC LIMIT 51",
    ),
    (
        "saved view: customer replied",
        "/workspace?view=replied",
        SELECT + "WHERE rc.customer_replied_at IS NOT NULL ORDER BY rc.customer_replied_at ASC, rc.id ASC LIMIT 51",
    ),
    (
        "risk: blocklisted (rare)",
        "/workspace?risk=blocklisted",
        SELECT
        + "WHERE rc.risk_flags <> 0 AND (rc.risk_flags & 4) <> 0 ORDER BY rc.created_at DESC, rc.id DESC LIMIT 51",
    ),
    (
        "search: tracking number",
        f"/workspace?q=SBX{middle:09d}CN",
        SELECT + f"WHERE rc.id IN (SELECT case_id FROM shipments WHERE tracking_number = 'SBX{middle:09d}CN') "  # noqa: S608
        "ORDER BY rc.created_at DESC, rc.id DESC LIMIT 51",
    ),
    (
        "search: email",
        "/workspace?q=c77%40example.com",
        SELECT  # noqa: S608
        + "WHERE rc.id IN (SELECT rc2.id FROM return_cases rc2 JOIN orders o2 ON o2.id = rc2.order_id "
        "JOIN customers c ON c.id = o2.customer_id WHERE c.email = 'c77@example.com') "
        "ORDER BY rc.created_at DESC, rc.id DESC LIMIT 51",
    ),
]


async def p95(call: Callable[[], Awaitable[object]]) -> float:
    for _ in range(5):  # warm caches and the connection pool
        await call()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(times, n=20)[18]


async def main() -> None:
    bindir = find_bindir()
    if bindir is None:
        sys.exit("PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's 'postgresql'")
    server = TempPostgres(bindir).start()
    try:
        url = await (await PostgresTemplate.create(server)).new_database()
        dsn = server.dsn(url.rsplit("/", 1)[1])
        conn = await asyncpg.connect(dsn)
        started = time.perf_counter()
        await conn.execute(SEED)
        print(f"seeded {CASES:,} cases in {time.perf_counter() - started:.1f} s")
        settings = Settings(env="test", database_url=url, var_dir=Path(server.root), temporal_address="127.0.0.1:1")
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            async with app.state.resources.sessionmaker() as s:
                await create_staff_user(s, "bench", "a long bench password", "agent")
                await s.commit()
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as web:
                login = await web.get("/login")
                await web.post(
                    "/login",
                    data={
                        "csrf_token": csrf_from(login.text),
                        "username": "bench",
                        "password": "a long bench password",
                    },
                )
                first = await web.get("/workspace")
                assert first.status_code == 200 and "R-2026-" in first.text, first.status_code
                nxt = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
                scenarios = [*SCENARIOS, ("queue page 2 (keyset)", nxt, SCENARIOS[0][2])]
                print(f"{'page':34} {'page p95':>10} {'raw SQL p95':>12} {'ratio':>7}  under 100 ms")
                worst = 0.0
                for name, path, sql in scenarios:
                    got = await web.get(path)
                    assert got.status_code == 200, (path, got.status_code)
                    page_ms = await p95(functools.partial(web.get, path))
                    sql_ms = await p95(functools.partial(conn.fetch, sql))
                    worst = max(worst, page_ms)
                    ok = "yes" if page_ms < 100 else "NO"
                    print(f"{name:34} {page_ms:8.1f}ms {sql_ms:10.2f}ms {page_ms / sql_ms:6.1f}x  {ok}")
                print(f"worst page p95: {worst:.1f} ms (goal < 100 ms)")
        await conn.close()
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
