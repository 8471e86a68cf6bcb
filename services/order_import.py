"""Order import from a CSV file (one row per order line, an order's rows together): streamed, each order
validated like the API's and upserted by number; a row-by-row report says what happened to every line."""

from __future__ import annotations

import csv
import io
from _csv import Reader
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, InvalidInput
from domain.money import Money
from services.order_bulk import NewOrder, existing_numbers, insert_new_orders, new_order
from services.order_input import OrderInput
from services.order_rows import Layout, prepare
from services.orders import upsert_order

REQUIRED = (
    "order_number",
    "placed_at",
    "currency",
    "email",
    "name",
    "ship_to_country",
    "line_id",
    "sku",
    "title",
    "category",
    "quantity",
    "unit_price",
)
OPTIONAL = (
    "delivered_at",
    "channel",
    "phone",
    "locale",
    "ship_to_name",
    "ship_to_line1",
    "ship_to_city",
    "ship_to_postal_code",
    "tags",
    "line_tax",
    "hs_code",
    "origin_country",
    "weight_g",
    "shipping",
    "discount",
    "payment_method",
    "provider_charge_id",
    "export_reference",
)
COLUMNS = REQUIRED + OPTIONAL
COMMIT_EVERY = 1000  # orders per transaction: bounded memory and quick recovery, few commits


@dataclass(slots=True)
class RowResult:
    line: int  # line number in the file (the header is line 1)
    order_number: str
    outcome: str  # imported | updated | refused
    reason: str = ""


@dataclass
class Report:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def totals(self) -> dict[str, int]:
        return {k: self.count(k) for k in ("imported", "updated", "refused")}


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


def _as_dict(header: list[str], row: list[str]) -> dict[Any, Any]:
    """The row as csv.DictReader makes it: extra values in a list under None, missing ones None."""
    d: dict[Any, Any] = dict(zip(header, row, strict=False))
    if len(header) < len(row):
        d[None] = row[len(header) :]
    for key in header[len(row) :]:
        d[key] = None
    return d


@dataclass(slots=True)
class _Pending:
    lines: list[int]
    rows: list[list[str]]
    order: NewOrder
    data: OrderInput | None  # None: prepared by the quick path, validated with OrderInput only when needed


def _groups(
    reader: Reader, header: list[str], layout: Layout, bad: set[int], report: Report
) -> Iterator[list[tuple[int, list[str]]]]:
    """An order's rows at a time, with their line numbers; blank lines skipped, lines not UTF-8 refused."""
    unique = len(set(header)) == len(header)
    at = layout.at["order_number"]
    group: list[tuple[int, list[str]]] = []
    for row in reader:
        if not row:
            continue  # an empty line (DictReader skips those)
        n = reader.line_num
        if n in bad:
            report.rows.append(RowResult(n, "", "refused", "this line is not UTF-8 text: save the file as UTF-8"))
            continue
        if len(row) == len(header) and unique:
            if not any(v.strip() for v in row):
                continue  # a blank line
        elif not any((v or "").strip() for v in _as_dict(header, row).values()):
            continue
        if group and _cell(row, at) != _cell(group[0][1], at):
            yield group
            group = []
        group.append((n, row))
    if group:
        yield group


def _complete(group: list[tuple[int, list[str]]], header: list[str]) -> None:
    """Refuses an order with a row cut short: its missing columns are not taken as empty."""
    for n, row in group:
        if len(row) < len(header):
            raise ValueError(
                f"line {n} has {len(row)} of the {len(header)} columns the header names: "
                "add the missing ones (an empty value is two commas in a row)"
            )


def _cell(row: list[str], at: int) -> str | None:
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
    report, seen = Report(), set[str]()
    batch: list[_Pending] = []
    for group in _groups(reader, header, layout, bad, report):
        lines = [n for n, _ in group]
        rows = [row for _, row in group]
        number = (_cell(rows[0], layout.at["order_number"]) or "").strip()
        try:
            if number in seen:
                raise ValueError(f"order {number} appeared earlier in the file: keep an order's rows together")
            _complete(group, header)
            quick = prepare(rows, layout)
            if quick is not None:
                batch.append(_Pending(lines, rows, quick, None))
            else:
                data = _order([_as_dict(header, row) for row in rows])
                batch.append(_Pending(lines, rows, new_order(data), data))
        except (ValueError, ValidationError, DomainError) as refused:
            report.rows.extend(RowResult(n, number, "refused", _reason(refused)) for n in lines)
        seen.add(number)
        if len(batch) >= COMMIT_EVERY:
            await _store(session, header, batch, report)
            batch = []
            if progress is not None:
                progress(len(report.rows))
    await _store(session, header, batch, report)
    report.rows.sort(key=lambda r: r.line)
    return report


async def _store(session: AsyncSession, header: list[str], batch: list[_Pending], report: Report) -> None:
    """New orders in one bulk insert; existing ones (and all of them, should the bulk insert meet a concurrent
    writer) upserted one by one. Commits."""
    existing = await existing_numbers(session, [p.order.number for p in batch])
    new = [p.order for p in batch if p.order.number not in existing]
    inserted: set[str] = set()
    try:
        async with session.begin_nested():
            await insert_new_orders(session, new)
        inserted = {o.number for o in new}
    except IntegrityError:
        pass  # someone else wrote some of them meanwhile: the one-by-one path sorts it out
    for p in batch:
        number = p.order.number
        if number in inserted:
            outcome, reason = "imported", ""
        else:
            try:
                data = p.data or _order([_as_dict(header, row) for row in p.rows])
                _, created = await upsert_order(session, data)
                outcome, reason = ("imported" if created else "updated"), ""
            except (ValueError, ValidationError, DomainError, IntegrityError) as refused:
                outcome, reason = "refused", _reason(refused)
        report.rows.extend(RowResult(n, number, outcome, reason) for n in p.lines)
    await session.commit()
    session.expunge_all()


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "order_number", "outcome", "reason"])
    for r in report.rows:
        writer.writerow([r.line, r.order_number, r.outcome, r.reason])
    return out.getvalue()
