"""The fast path through a settlement report: runs of plain lines checked and converted column by column."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from operator import sub

from domain.errors import InvalidInput
from domain.settlement import MAX_MINOR, REFUND, Batch, RowFields, RowParser, Tally, Totals

# Digits become "0", the signs, points and separators an amount column may hold stay, anything else becomes "x".
_SHAPES = bytes(ord("0") if chr(b).isdigit() else b if chr(b) in "-.\n" else ord("x") for b in range(128)) + b"x" * 128
_LONG = b"0" * len(str(MAX_MINOR))  # as many digits as MAX_MINOR has


class _Unusual(Exception):
    """Something in the batch is not plain: the line-by-line path accepts it or names the line at fault."""


def parse_batch(parser: RowParser, batch: Sequence[Sequence[str]], first_line: int, last_line: int) -> Batch:
    """Type a run of lines: column-wise when all are plain (the usual export), else line by line, same result."""
    lines = _line_numbers(batch, first_line, last_line)
    if batch and set(map(len, batch)) == {parser.width}:
        columns = list(zip(*batch, strict=True))
        fast = _columnar(parser, [columns[i] for i in parser.at], lines)
        if fast is not None:
            return fast
    return _line_by_line(parser, batch, lines)


def parse_fields(parser: RowParser, fields: list[str], first_line: int) -> Batch:
    """Whole lines of exactly `parser.width` fields each, laid end to end (a report without quoting, split on its
    commas and newlines), the first of them on `first_line`: the same result as parse_batch, without a list per
    line."""
    width = parser.width
    if not fields or len(fields) % width:
        raise ValueError(f"{len(fields)} fields are no whole lines of {width}")
    lines = range(first_line, first_line + len(fields) // width)
    fast = _columnar(parser, [fields[i::width] for i in parser.at], lines)
    if fast is not None:
        return fast
    return _line_by_line(parser, [fields[i : i + width] for i in range(0, len(fields), width)], lines)


def _line_by_line(parser: RowParser, batch: Sequence[Sequence[str]], lines: Sequence[int]) -> Batch:
    tally, refunds = Tally(), list[RowFields]()
    for fields, line in zip(batch, lines, strict=True):
        if not fields:
            continue  # a blank line (often the last one) is no transaction
        row = parser.parse(fields, line)
        tally.add_row(row)
        if row.type == REFUND:
            refunds.append(row)
    return Batch(tally, refunds)


def _line_numbers(batch: Sequence[Sequence[str]], first_line: int, last_line: int) -> list[int]:
    if last_line - first_line + 1 == len(batch):
        return list(range(first_line, last_line + 1))
    lines, line = [], first_line  # quoted fields hold newlines: a record spans one line more per newline
    for fields in batch:
        lines.append(line)
        line += 1 + sum(f.count("\n") for f in fields)
    return lines


def _columnar(parser: RowParser, columns: list[Sequence[str]], lines: Sequence[int]) -> Batch | None:
    """The batch typed column by column, or None when something in it is unusual (then only the exact path may
    judge it)."""
    try:
        return _plain_columns(parser, columns, lines)
    except (_Unusual, InvalidInput, ValueError, IndexError):
        return None


def _plain_columns(parser: RowParser, columns: list[Sequence[str]], lines: Sequence[int]) -> Batch:
    ids, types, amounts, fees, nets, currencies, created, payouts, refs = columns
    if any(not t or t != t.strip().lower() for t in set(types)):
        raise _Unusual
    codes = {text: parser.currency(text, 0) for text in set(currencies)}
    places = {p for _, p in codes.values()}
    if len(places) != 1:
        raise _Unusual
    (p,) = places
    size = len(types)
    values = _ints([*amounts, *fees, *nets], p)  # the three amount columns in one pass
    a, f, n = values[:size], values[size : 2 * size], values[2 * size :]
    if list(map(sub, a, f)) != n or not all(ids):
        raise _Unusual
    stamps = list(map(datetime.fromisoformat, created))
    try:
        first, last = min(stamps), max(stamps)  # naive and aware ones do not compare: mixed, this raises
        aware = first.tzinfo is not None
    except TypeError:
        aware = False
    if not aware:  # providers export UTC without an offset
        stamps = [s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps]
        first, last = min(stamps), max(stamps)
    tally = Tally()
    if len({code for code, _ in codes.values()}) == 1:
        code = codes[currencies[0]][0]
        tally.add(code, Totals(size, sum(a), sum(f), sum(n)), first, last)
    else:
        sums: dict[str, Totals] = {}
        for text, x, y, z in zip(currencies, a, f, n, strict=True):
            t = sums.setdefault(codes[text][0], Totals())
            t.rows, t.gross, t.fees, t.net = t.rows + 1, t.gross + x, t.fees + y, t.net + z
        for code, t in sums.items():
            tally.add(code, t, first, last)
    refunds: list[RowFields] = []
    for i in _positions(types, REFUND):
        if len(ids[i]) > 64 or len(refs[i]) > 120:
            raise _Unusual
        code = codes[currencies[i]][0]
        refunds.append((lines[i], ids[i], REFUND, a[i], f[i], n[i], code, stamps[i], payouts[i], refs[i]))
    return Batch(tally, refunds)


def _positions(values: Sequence[str], wanted: str) -> list[int]:
    found, i = [], 0
    try:
        while True:
            i = values.index(wanted, i)  # scans in C: refund rows are few, charges many
            found.append(i)
            i += 1
    except ValueError:
        return found


def plain_minor(column: Sequence[str], places: int) -> list[int] | None:
    """Amount texts in major units to minor units when every one is plain: ASCII digits with an optional leading
    minus, then a point and exactly `places` digits (none, and no point, when places is 0); else None. What it
    gives is what Money.parse gives for the same texts."""
    try:
        return _ints(column, places)
    except (_Unusual, ValueError):
        return None


def _ints(column: Sequence[str], places: int) -> list[int]:
    joined = "\n".join(column)
    if not joined.isascii():
        raise _Unusual
    shapes = (joined + "\n").encode().translate(_SHAPES)  # e.g. "-1698.81" is "-0000.00"
    if b"x" in shapes or shapes.count(b"-") != shapes.count(b"\n-") + shapes.startswith(b"-"):
        raise _Unusual
    if places:  # one point per amount, right before its last `places` digits
        dots = shapes.count(b".")
        if dots != len(column) or shapes.count(b"." + b"0" * places + b"\n") != dots:
            raise _Unusual
        joined = joined.replace(".", "")
    elif b"." in shapes:
        raise _Unusual
    values = list(map(int, joined.split("\n")))  # "" or "-" alone raise ValueError
    digits = shapes.replace(b".", b"") if places else shapes
    # only with as many digits as MAX_MINOR may an amount reach it
    if _LONG in digits and (max(values) >= MAX_MINOR or min(values) <= -MAX_MINOR):
        raise _Unusual
    return values
