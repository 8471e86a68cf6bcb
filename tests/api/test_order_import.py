"""Order import from CSV: good orders upserted by number, bad rows refused one by one with their line number."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli import app as cli_app
from core.settings import ROOT, Settings
from db.models import Order, OrderLine

EXAMPLE = (ROOT / "docs" / "orders-example.csv").read_bytes()
HEADER = EXAMPLE.splitlines()[0]


async def _upload(client: httpx.AsyncClient, content: bytes, **params: str) -> httpx.Response:
    return await client.post(
        "/api/v1/orders/import", files={"file": ("orders.csv", content, "text/csv")}, params=params
    )


async def _count(sessionmaker, model) -> int:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_documented_example_imports_and_reimports_without_duplicates(client, sessionmaker) -> None:
    first = await _upload(client, EXAMPLE)
    assert first.status_code == 200, first.text
    assert first.json() == {"totals": {"imported": 3, "updated": 0, "refused": 0}, "refused": []}
    again = await _upload(client, EXAMPLE)
    assert again.json()["totals"] == {"imported": 0, "updated": 3, "refused": 0}
    assert await _count(sessionmaker, Order) == 2 and await _count(sessionmaker, OrderLine) == 3
    order = (await client.get("/api/v1/orders/SO-10001")).json()
    assert order["customer"]["name"] == "林美" and order["lines"][0]["unit_price"] == {
        "amount": 12_900,
        "currency": "CNY",
    }


def _row(number: str, *, currency: str = "CNY", price: str = "10.00", email: str = "a@example.com") -> bytes:
    return (
        f"{number},2026-11-01T10:00:00+08:00,,{currency},web,{email},A,,en,CN,,,,,L1,S1,Thing,apparel,,1,{price},"
        ",,,,,,,,"
    ).encode()


async def test_bad_rows_are_refused_by_line_and_the_good_ones_imported(client, sessionmaker) -> None:
    rows = [
        HEADER,
        _row("OK-1"),
        _row("BAD-MONEY", price="12.5x"),
        _row("BAD-CURRENCY", currency="ABC"),
        _row("LATIN-1").replace(b",A,", ",Bé Ç,".encode("latin-1")),  # saved in another encoding
        _row("BAD-EMAIL", email="not-an-email"),
        _row("OK-3"),
        _row("OK-1"),  # the same order again, apart from its first rows
        b"SHORT-1,2026-11-01T10:00:00+00:00",  # a row cut short: most columns missing
    ]
    got = await _upload(client, b"\n".join(rows) + b"\n", report="csv")
    assert got.status_code == 200
    lines = got.text.splitlines()
    assert lines[0] == "line,order_number,outcome,reason"
    outcome = {int(r.split(",")[0]): r.split(",", 3) for r in lines[1:]}
    assert outcome[2][2] == "imported" and outcome[7][2] == "imported"
    assert outcome[3][2] == "refused" and "'12.5x' is not an amount" in outcome[3][3]
    assert outcome[4][2] == "refused" and "ABC" in outcome[4][3]
    assert outcome[5][2] == "refused" and "UTF-8" in outcome[5][3]
    assert outcome[6][2] == "refused" and "email" in outcome[6][3]
    assert outcome[8][2] == "refused" and "keep an order's rows together" in outcome[8][3]
    assert outcome[9][1] == "SHORT-1" and outcome[9][2] == "refused" and "line 9 has 2 of the" in outcome[9][3]
    assert await _count(sessionmaker, Order) == 2


async def test_a_file_without_the_needed_columns_stores_nothing(client, sessionmaker) -> None:
    got = await _upload(client, b"order_number,email\nX-1,a@example.com\n")
    assert got.status_code == 422
    assert "lacks the column(s) placed_at, currency" in got.json()["detail"]
    assert await _count(sessionmaker, Order) == 0


def test_command_line_import_reports_refused_rows(settings: Settings, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REBOUND_DATABASE_URL", settings.database_url)
    path = tmp_path / "orders.csv"
    path.write_bytes(b"\n".join([HEADER, _row("CLI-1"), _row("CLI-2", price="abc")]) + b"\n")
    result = CliRunner().invoke(cli_app, ["import-orders", str(path), "--report", str(tmp_path / "r.csv")])
    assert result.exit_code == 1, result.output
    assert "line 3: CLI-2: unit_price: 'abc' is not an amount in CNY" in result.output
    assert "1 rows imported, 0 updated, 1 refused" in result.output
    assert (tmp_path / "r.csv").read_text().count("\n") == 3


async def test_new_orders_of_known_customers_update_them_without_duplicates(client, sessionmaker) -> None:
    from db.models import Customer
    from tests.support.builders import order_payload

    earlier = order_payload("WEB-1", email="a@example.com")
    earlier["customer"]["name"] = "Old Name"
    assert (await client.post("/api/v1/orders", json=earlier)).status_code == 201
    got = await _upload(client, b"\n".join([HEADER, _row("CSV-1"), _row("CSV-2")]) + b"\n")
    assert got.json()["totals"] == {"imported": 2, "updated": 0, "refused": 0}
    async with sessionmaker() as s:
        [customer] = (await s.scalars(select(Customer))).all()
        assert customer.name == "A" and customer.phone == "+8613800000000"  # renamed; the phone kept


async def test_known_and_new_orders_in_one_file_are_updated_and_imported_row_by_row(client, sessionmaker) -> None:
    assert (await _upload(client, EXAMPLE)).status_code == 200
    known = EXAMPLE.splitlines()[1:]  # SO-10001 (two lines), SO-10002
    rows = [HEADER, _row("NEW-1"), *known[:2], _row("NEW-2"), b"", known[2], b"\xff,latin", _row("NEW-3")]
    got = await _upload(client, b"\n".join(rows) + b"\n", report="csv")
    assert got.status_code == 200
    report = [line.split(",", 3) for line in got.text.splitlines()[1:]]
    assert [(int(r[0]), r[1], r[2]) for r in report] == [
        (2, "NEW-1", "imported"),
        (3, "SO-10001", "updated"),
        (4, "SO-10001", "updated"),
        (5, "NEW-2", "imported"),
        (7, "SO-10002", "updated"),  # line 6 is blank
        (8, "", "refused"),
        (9, "NEW-3", "imported"),
    ]
    assert await _count(sessionmaker, Order) == 5 and await _count(sessionmaker, OrderLine) == 6


async def test_orders_written_meanwhile_by_someone_else_are_updated_not_duplicated(
    client, sessionmaker, monkeypatch
) -> None:
    import services.order_import as order_import

    assert (await _upload(client, EXAMPLE)).status_code == 200

    async def none_known(_session, _numbers):  # type: ignore[no-untyped-def]
        return set()  # as if the orders were written after the lookup: the bulk insert meets them

    monkeypatch.setattr(order_import, "existing_numbers", none_known)
    got = await _upload(client, b"\n".join([*EXAMPLE.splitlines(), _row("NEW-1")]) + b"\n")
    assert got.json()["totals"] == {"imported": 1, "updated": 3, "refused": 0}
    assert await _count(sessionmaker, Order) == 3 and await _count(sessionmaker, OrderLine) == 4
