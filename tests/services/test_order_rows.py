"""The import's quick path stores exactly what validating with OrderInput would store, or leaves the order to it."""

from __future__ import annotations

import csv
import io

import pytest
from pydantic import ValidationError

from core.settings import ROOT
from domain.errors import DomainError
from services.order_bulk import NewOrder, new_order
from services.order_import import COLUMNS, _as_dict, _order
from services.order_rows import Layout, prepare

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
