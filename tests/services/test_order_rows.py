"""The import's quick path stores exactly what validating with OrderInput would store, or leaves the order to it;
the batch and the report keep what they are given."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core.settings import ROOT
from domain.errors import DomainError
from services.order_bulk import NewOrder, NewOrders, new_order
from services.order_import import Report, _as_dict, _order, report_csv
from services.order_rows import COLUMNS, REQUIRED, Layout, prepare

_TABLE = list(csv.reader(io.StringIO((ROOT / "docs" / "orders-example.csv").read_text("utf-8"))))
HEADER, ROWS = _TABLE[0], _TABLE[1:]
FIRST = [r for r in ROWS if r[0] == ROWS[0][0]]  # the example's first order, two lines


def _slow(rows: list[list[str]]) -> NewOrder | str:
    try:
        return new_order(_order([_as_dict(HEADER, r) for r in rows]))
    except (ValueError, ValidationError, DomainError) as refused:
        return f"refused: {refused}"


def _with(column: str, value: str, *, line: int = 0) -> list[list[str]]:
    rows = [list(r) for r in FIRST]
    rows[line][HEADER.index(column)] = value
    return rows


# Values the quick path should take, and others it must hand to OrderInput (which may accept or refuse them).
VARIANTS = [
    ("unit_price", "129"),
    ("unit_price", "129.5"),
    ("unit_price", " 129.00"),
    ("unit_price", "129.001"),
    ("unit_price", "1e2"),
    ("unit_price", "-1"),
    ("unit_price", ""),
    ("quantity", "0"),
    ("quantity", "02"),
    ("quantity", "1.0"),
    ("currency", "cny"),
    ("currency", "JPY"),
    ("currency", "XXX"),
    ("placed_at", "2026-11-11 10:00:00+08:00"),
    ("placed_at", "2026-11-11T10:00:00Z"),
    ("placed_at", "2026-13-11T10:00:00+08:00"),
    ("delivered_at", ""),
    ("delivered_at", "2026-11-01T10:00:00+08:00"),  # before it was placed
    ("email", "Mei@Example.COM"),
    ("email", "not-an-email"),
    ("ship_to_country", "hk"),
    ("ship_to_country", "ZZ"),
    ("tags", "hygiene;final_sale"),
    ("tags", "made-up"),
    ("hs_code", "6109100010"),
    ("hs_code", "61.09"),
    ("hs_code", "abc"),
    ("origin_country", "VN"),
    ("weight_g", "0"),
    ("locale", "zh-Hant"),
    ("locale", "klingon"),
    ("discount", "99999.00"),
    ("payment_method", "cheque"),
    ("name", ""),
    ("title", "  spaced  "),
    ("order_number", "SO 1"),
]


def test_the_documented_example_takes_the_quick_path_and_matches() -> None:
    quick = prepare(FIRST, Layout(HEADER, COLUMNS))
    assert quick is not None
    assert quick == _slow(FIRST)


@pytest.mark.parametrize(("column", "value"), VARIANTS, ids=[f"{c}={v!r}" for c, v in VARIANTS])
def test_quick_path_equals_validation_or_hands_over(column: str, value: str) -> None:
    rows = _with(column, value)
    quick = prepare(rows, Layout(HEADER, COLUMNS))
    if quick is not None:
        assert quick == _slow(rows), "the quick path stored something OrderInput would store differently"


def test_short_rows_and_duplicate_line_ids_go_to_validation() -> None:
    layout = Layout(HEADER, COLUMNS)
    assert prepare([FIRST[0][:-1], FIRST[1]], layout) is None
    twin = _with("line_id", FIRST[0][HEADER.index("line_id")], line=1)
    assert prepare(twin, layout) is None
    assert isinstance(_slow(twin), str)  # and OrderInput refuses it


# Values each column may take in the property test below: good ones in several shapes and bad ones.
POOLS = {
    "order_number": ["SO-1", "so.2_b", "SO 3", " SO-4", "-SO", "X" * 64, "X" * 65, ""],
    "placed_at": [
        "2026-11-11T10:00:00+08:00",
        "2026-11-11T10:00:00.123456Z",
        "2026-11-11T10:00:00-03:30",
        "2026-11-11 10:00:00+08:00",
        "2026-11-11T10:00:00",
        "2026-02-30T10:00:00+08:00",
        "2026-11-11T24:00:00+08:00",
        "2026-11-11T10:00:00+08:75",
        "",
    ],
    "delivered_at": ["", "2026-11-13T10:00:00+08:00", "2026-11-11T01:59:59Z", "2026-11-11T02:00:00Z", "soon"],
    "currency": ["CNY", "cny", " JPY", "KWD", "XXX", "ABC", "EURO", ""],
    "email": ["a@example.com", "A@Example.COM", " a@example.com", "a@b", "a b@c.de", "", "x" * 250 + "@a.bc"],
    "name": ["Mei", " Mei", "", "N" * 200, "N" * 201],
    "phone": ["", "+8613800000000", " 123", "9" * 41],
    "locale": ["", "zh-Hant", "zh_cn", "ZH", "klingon"],
    "ship_to_country": ["CN", "hk", "ZZ", "C", " CN", "CHN", ""],
    "ship_to_city": ["", "上海", " 上海 "],
    "line_id": ["L1", " L1", "", "L" * 65],
    "sku": ["SKU-1", "SKU-1 ", "S" * 64, "S" * 65],
    "title": ["Tee", "  Tee", "T" * 300, "T" * 301],
    "category": ["apparel", "", "apparel\t"],
    "tags": ["", "hygiene", "final_sale;hygiene", "hygiene,hygiene", " hygiene", "made-up", ";;"],
    "quantity": ["1", "02", "0", "-1", "1.0", "100000", "100001", "１", ""],
    "unit_price": ["129", "129.00", "129.5", "129.001", " 129", "1e2", "-1", "", "1" * 16, "0"],
    "line_tax": ["", "0", "1.5", "x"],
    "hs_code": ["", "6109.10", "610910", "61091000", "61.09", "abc", " 610910"],
    "origin_country": ["", "VN", "vn", "ZZ"],
    "weight_g": ["", "250", "0", "2.5", "-3"],
    "shipping": ["", "10.00", "10.001", "x"],
    "discount": ["", "20", "99999.00", "-1"],
    "payment_method": ["", "card", "wallet", "cheque", " card"],
    "provider_charge_id": ["", "ch_1", "c" * 65],
    "export_reference": ["", "CN-EX-1", "E" * 65],
}


LINE_COLUMNS = {"line_id", "sku", "title", "category", "tags", "quantity", "unit_price", "line_tax"}
LINE_COLUMNS |= {"hs_code", "origin_country", "weight_g"}


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(sorted(POOLS)), st.integers(0, 99)), max_size=4),
    st.integers(0, 1),
)
def test_quick_path_equals_validation_on_any_mix_of_values(changes: list[tuple[str, int]], line: int) -> None:
    """A few columns of the example's first order changed at once, each to a good or bad value of its pool."""
    rows = [list(r) for r in FIRST]
    for column, pick in changes:
        # Line columns on one of the two lines; order columns on the first row, which they are read from.
        rows[line if column in LINE_COLUMNS else 0][HEADER.index(column)] = POOLS[column][pick % len(POOLS[column])]
    quick = prepare(rows, Layout(HEADER, COLUMNS))
    if quick is not None:
        assert quick == _slow(rows), "the quick path stored something OrderInput would store differently"


def test_a_file_without_the_optional_columns_takes_the_quick_path() -> None:
    keep = [HEADER.index(c) for c in REQUIRED]
    header = [HEADER[i] for i in keep]
    rows = [[r[i] for i in keep] for r in FIRST]
    quick = prepare(rows, Layout(header, COLUMNS))
    assert quick is not None
    assert quick == new_order(_order([_as_dict(header, r) for r in rows]))


def test_a_batch_less_some_orders_keeps_each_line_with_its_order() -> None:
    orders = [
        new_order(_order([_as_dict(HEADER, r) for r in ROWS if r[0] == n])) for n in dict.fromkeys(r[0] for r in ROWS)
    ]
    batch = NewOrders()
    for order in orders:
        batch.add(order)
    assert [batch.order(i) for i in range(len(batch))] == orders
    rest = batch.without({orders[0].number})
    assert [rest.order(i) for i in range(len(rest))] == orders[1:]
    assert rest.line_orders == [i for i, o in enumerate(orders[1:]) for _ in o.lines]
    assert batch.without(set()) is batch


def test_the_report_gives_every_row_by_line_number() -> None:
    report = Report()
    report.store((2, 3), "A-1", "imported")
    report.refuse([7, 8], "B-1", "unit_price: 'x' is not an amount in CNY")
    report.store((4,), "C-1", "updated")
    report.refuse([5], "", "this line is not UTF-8 text: save the file as UTF-8")
    report.store((6, 9), "D-1", "imported")  # an order whose rows had a line refused between them
    assert report.totals == {"imported": 4, "updated": 1, "refused": 3}
    assert len(report) == 8
    assert [r.line for r in report.refused] == [5, 7, 8]
    assert [(r.line, r.order_number, r.outcome) for r in report] == [
        (2, "A-1", "imported"),
        (3, "A-1", "imported"),
        (4, "C-1", "updated"),
        (5, "", "refused"),
        (6, "D-1", "imported"),
        (7, "B-1", "refused"),
        (8, "B-1", "refused"),
        (9, "D-1", "imported"),
    ]
    assert report_csv(report).splitlines()[1:3] == ["2,A-1,imported,", "3,A-1,imported,"]
