"""Order import from a CSV file (one row per order line, an order's rows together): streamed, each order
validated like the API's and upserted by number; a row-by-row report says what happened to every line."""

from __future__ import annotations

import csv
import heapq
import io
from _csv import Reader
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, InvalidInput
from domain.money import Money
from services.order_bulk import NewOrders, existing_numbers, insert_new_orders, new_order
from services.order_input import OrderInput
from services.order_rows import COLUMNS, REQUIRED, Layout, prepare
from services.orders import upsert_order

COMMIT_EVERY = 1000  # orders per transaction: bounded memory and quick recovery, few commits


@dataclass(slots=True)
class RowResult:
    line: int  # line number in the file (the header is line 1)
    order_number: str
    outcome: str  # imported | updated | refused
    reason: str = ""


STORED = ("imported", "updated")


class Report:
    """What happened to every row. Refused rows are kept with their reasons; the rows of stored orders (nearly
    all of a large file) compactly: per row its line number (8 bytes), per order its outcome and number (17 bytes
    and a string the import keeps anyway to spot an order split in two), instead of a result object a row."""

    def __init__(self) -> None:
        self._refused: list[RowResult] = []
        self._numbers: list[str] = []  # per stored order
        self._outcomes = bytearray()  # per stored order: its index in STORED
        self._ends = array("q")  # per stored order: where its rows end in _lines
        self._lines = array("q")  # the line numbers of stored orders' rows, in file order
        self._counts = [0] * len(STORED)

    @property
    def refused(self) -> list[RowResult]:
        """The refused rows by line number."""
        self._refused.sort(key=attrgetter("line"))
        return self._refused

    def refuse(self, lines: Sequence[int], number: str, reason: str) -> None:
        self._refused.extend(RowResult(n, number, "refused", reason) for n in lines)

    def store(self, lines: Sequence[int], number: str, outcome: str) -> None:
        code = STORED.index(outcome)
        self._numbers.append(number)
        self._outcomes.append(code)
        self._lines.extend(lines)
        self._ends.append(len(self._lines))
        self._counts[code] += len(lines)

    def count(self, outcome: str) -> int:
        return len(self._refused) if outcome == "refused" else self._counts[STORED.index(outcome)]

    @property
    def totals(self) -> dict[str, int]:
        return {k: self.count(k) for k in (*STORED, "refused")}

    def __len__(self) -> int:
        return len(self._lines) + len(self._refused)

    def _stored(self) -> Iterator[RowResult]:
        start = 0
        for number, code, end in zip(self._numbers, self._outcomes, self._ends, strict=True):
            outcome = STORED[code]
            for n in self._lines[start:end]:
                yield RowResult(n, number, outcome)
            start = end

    def __iter__(self) -> Iterator[RowResult]:
        """Every row's result by line number, made one at a time."""
        return heapq.merge(self.refused, self._stored(), key=attrgetter("line"))


def _decoded(raw: Iterable[bytes], bad: set[int]) -> Iterator[str]:
    """Text lines; a line that is not UTF-8 is replaced by an empty line and its number noted."""
    for n, chunk in enumerate(raw, start=1):
        try:
            text = chunk.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError:
            bad.add(n)
            text = "\ufffd\n"  # not blank: the reader yields a row for it, which is then refused
        yield text


def _money(text: str, currency: str, column: str) -> int:
    try:
        return Money.parse(text.strip() or "0", currency).minor
    except InvalidInput:
        raise ValueError(f"{column}: '{text}' is not an amount in {currency}") from None


def _int(text: str, column: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(Decimal(text.strip()))
    except ArithmeticError:
        raise ValueError(f"{column}: '{text}' is not a whole number") from None


def _order(rows: list[dict[str, str]]) -> OrderInput:
    """One order from its rows (order columns from its first row), validated as the API validates."""
    head = rows[0]
    currency = head["currency"].strip().upper()
    lines: list[dict[str, Any]] = []
    for r in rows:
        lines.append(
            {
                "id": r["line_id"],
                "sku": r["sku"],
                "title": r["title"],
                "category": r["category"],
                "tags": [t for t in (r.get("tags") or "").replace(",", ";").split(";") if t.strip()],
                "quantity": _int(r["quantity"], "quantity"),
                "unit_price": {"amount": _money(r["unit_price"], currency, "unit_price")},
                "tax": {"amount": _money(r.get("line_tax") or "0", currency, "line_tax")},
                "hs_code": r.get("hs_code") or None,
                "origin_country": r.get("origin_country") or None,
                "weight_g": _int(r.get("weight_g") or "", "weight_g"),
            }
        )
    shipping = _money(head.get("shipping") or "0", currency, "shipping")
    discount = _money(head.get("discount") or "0", currency, "discount")
    goods = sum(li["unit_price"]["amount"] * (li["quantity"] or 0) + li["tax"]["amount"] for li in lines)
    body: dict[str, Any] = {
        "number": head["order_number"],
        "customer": {
            "email": head["email"],
            "name": head["name"],
            "phone": head.get("phone") or None,
            "locale": head.get("locale") or "en",
        },
        "currency": currency,
        "placed_at": head["placed_at"],
        "delivered_at": head.get("delivered_at") or None,
        "channel": head.get("channel") or "web",
        "ship_to": {
            "country": head["ship_to_country"],
            **{k: head[f"ship_to_{k}"] for k in ("name", "line1", "city", "postal_code") if head.get(f"ship_to_{k}")},
        },
        "lines": lines,
        "shipping": {"amount": shipping},
        "discounts": [{"amount": {"amount": discount}}] if discount else [],
        "tenders": [
            {
                "type": head.get("payment_method") or "card",
                "amount": {"amount": goods + shipping - discount},
                "provider_charge_id": head.get("provider_charge_id") or None,
            }
        ],
        "export_reference": head.get("export_reference") or None,
    }
    return OrderInput.model_validate(body)


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg'].removeprefix('Value error, ')}" if where else first["msg"]
    if isinstance(error, DomainError):
        return error.detail
    return str(error)


def _as_dict(header: list[str], row: Sequence[str]) -> dict[Any, Any]:
    """The row as csv.DictReader makes it: extra values in a list under None, missing ones None."""
    d: dict[Any, Any] = dict(zip(header, row, strict=False))
    if len(header) < len(row):
        d[None] = list(row[len(header) :])
    for key in header[len(row) :]:
        d[key] = None
    return d


# An order of the batch: its line numbers, its rows (kept to validate it with OrderInput should it exist
# already), and its OrderInput when it was validated. Tuples of plain values: the collector soon stops tracking them.
_Pending = tuple[tuple[int, ...], tuple[tuple[str, ...], ...], OrderInput | None]


def _groups(
    reader: Reader, header: list[str], at: int, bad: set[int], report: Report
) -> Iterator[tuple[tuple[int, ...], tuple[tuple[str, ...], ...]]]:
    """An order's rows at a time, with their line numbers; blank lines skipped, lines not UTF-8 refused."""
    unique = len(set(header)) == len(header)
    lines: list[int] = []
    rows: list[list[str]] = []
    number: str | None = None
    for row in reader:
        if not row:
            continue  # an empty line (DictReader skips those)
        n = reader.line_num
        if bad and n in bad:
            report.refuse([n], "", "this line is not UTF-8 text: save the file as UTF-8")
            continue
        key = row[at] if at < len(row) else None
        if not (key and key.strip()):  # maybe a blank line: only when the order number is
            if len(row) == len(header) and unique:
                if not any(v.strip() for v in row):
                    continue
            else:
                cells = _as_dict(header, row)
                extra = cells.pop(None, ())
                if not any((v or "").strip() for v in (*cells.values(), *extra)):
                    continue
        if rows and key != number:
            yield tuple(lines), tuple(map(tuple, rows))
            lines, rows = [], []
        if not rows:
            number = key
        lines.append(n)
        rows.append(row)
    if rows:
        yield tuple(lines), tuple(map(tuple, rows))


def _complete(lines: Sequence[int], rows: Sequence[Sequence[str]], header: list[str]) -> None:
    """Refuses an order with a row cut short: its missing columns are not taken as empty."""
    for n, row in zip(lines, rows, strict=True):
        if len(row) < len(header):
            raise ValueError(
                f"line {n} has {len(row)} of the {len(header)} columns the header names: "
                "add the missing ones (an empty value is two commas in a row)"
            )


def _cell(row: Sequence[str], at: int) -> str | None:
    return row[at] if at < len(row) else None


async def import_orders(session: AsyncSession, raw_lines: Iterable[bytes], *, progress: Any = None) -> Report:
    """Import every good order; refuse bad ones with the reason on each of their lines. Commits in batches."""
    bad: set[int] = set()
    reader = csv.reader(_decoded(raw_lines, bad))
    header = next(reader, [])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(
            f"the file lacks the column(s) {', '.join(missing)}; see docs/order-import.md for the format",
            code="import_columns_missing",
            fields={"file": "missing columns"},
        )
    layout = Layout(header, COLUMNS)
    at = layout.at["order_number"]
    report, seen = Report(), set[str]()
    pending: list[_Pending] = []
    batch = NewOrders()
    for lines, rows in _groups(reader, header, at, bad, report):
        number = (_cell(rows[0], at) or "").strip()
        try:
            if number in seen:
                raise ValueError(f"order {number} appeared earlier in the file: keep an order's rows together")
            _complete(lines, rows, header)
            quick = prepare(rows, layout)
            if quick is not None:
                batch.add(quick)
                pending.append((lines, rows, None))
            else:
                data = _order([_as_dict(header, row) for row in rows])
                batch.add(new_order(data))
                pending.append((lines, rows, data))
        except (ValueError, ValidationError, DomainError) as refused:
            report.refuse(lines, number, _reason(refused))
        seen.add(number)
        if len(pending) >= COMMIT_EVERY:
            await _store(session, header, pending, batch, report)
            pending, batch = [], NewOrders()
            if progress is not None:
                progress(len(report))
    await _store(session, header, pending, batch, report)
    return report


async def _store(
    session: AsyncSession, header: list[str], pending: list[_Pending], batch: NewOrders, report: Report
) -> None:
    """New orders in one bulk insert; existing ones (and all of them, should the bulk insert meet a concurrent
    writer) upserted one by one. Commits."""
    new = batch.without(await existing_numbers(session, batch.numbers))
    inserted: set[str] = set()
    try:
        async with session.begin_nested():
            await insert_new_orders(session, new)
        inserted = set(new.numbers)
    except IntegrityError:
        pass  # someone else wrote some of them meanwhile: the one-by-one path sorts it out
    for (lines, rows, data), number in zip(pending, batch.numbers, strict=True):
        if number in inserted:
            report.store(lines, number, "imported")
            continue
        try:
            data = data or _order([_as_dict(header, row) for row in rows])
            _, created = await upsert_order(session, data)
        except (ValueError, ValidationError, DomainError, IntegrityError) as refused:
            report.refuse(lines, number, _reason(refused))
        else:
            report.store(lines, number, "imported" if created else "updated")
    await session.commit()
    session.expunge_all()


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "order_number", "outcome", "reason"])
    for r in report:
        writer.writerow([r.line, r.order_number, r.outcome, r.reason])
    return out.getvalue()
