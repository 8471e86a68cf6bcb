"""The fast path through a settlement report: a batch of plain lines checked and converted column by column."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from operator import attrgetter, itemgetter, sub

from domain.errors import InvalidInput
from domain.settlement import MAX_MINOR, REFUND, Batch, RowFields, RowParser, Tally, Totals

_NOT_PLAIN = str.maketrans("", "", "0123456789-.\n")  # deletes every character a plain amount column may hold
_TZ = attrgetter("tzinfo")


class _Unusual(Exception):
    """Something in the batch is not plain: the line-by-line path accepts it or names the line at fault."""


def parse_batch(parser: RowParser, batch: Sequence[Sequence[str]], first_line: int, last_line: int) -> Batch:
    """Type a run of lines: column-wise when all are plain (the usual export), else line by line, same result."""
    lines = _line_numbers(batch, first_line, last_line)
    try:
        return _columnar(parser, batch, lines)
    except (_Unusual, InvalidInput, ValueError, IndexError):
        pass
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


def _columnar(parser: RowParser, batch: Sequence[Sequence[str]], lines: list[int]) -> Batch:
    if not batch:
        return Batch(Tally(), [])
    if set(map(len, batch)) != {parser.width}:
        raise _Unusual
    columns = list(zip(*batch, strict=True))
    ids, types, amounts, fees, nets, currencies, created, payouts, refs = (columns[i] for i in parser.at)
    if any(not t or t != t.strip().lower() for t in set(types)):
        raise _Unusual
    codes = {text: parser.currency(text, 0) for text in set(currencies)}
    places = {p for _, p in codes.values()}
    if len(places) != 1:
        raise _Unusual
    (p,) = places
    size = len(batch)
    values = _ints(amounts + fees + nets, p)  # the three amount columns in one pass
    a, f, n = values[:size], values[size : 2 * size], values[2 * size :]
    if list(map(sub, a, f)) != n or not all(ids):
        raise _Unusual
    stamps = list(map(datetime.fromisoformat, created))
    if None in set(map(_TZ, stamps)):
        stamps = [s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps]
    tally = Tally()
    if len({code for code, _ in codes.values()}) == 1:
        code = codes[currencies[0]][0]
        tally.add(code, Totals(len(batch), sum(a), sum(f), sum(n)), min(stamps), max(stamps))
    else:
        sums: dict[str, Totals] = {}
        for text, x, y, z in zip(currencies, a, f, n, strict=True):
            t = sums.setdefault(codes[text][0], Totals())
            t.rows, t.gross, t.fees, t.net = t.rows + 1, t.gross + x, t.fees + y, t.net + z
        for code, t in sums.items():
            tally.add(code, t, min(stamps), max(stamps))
    refunds: list[RowFields] = []
    for i in _positions(types, REFUND):
        if len(ids[i]) > 64 or len(refs[i]) > 120:
            raise _Unusual
        code = codes[currencies[i]][0]
        refunds.append((lines[i], ids[i], REFUND, a[i], f[i], n[i], code, stamps[i], payouts[i], refs[i]))
    return Batch(tally, refunds)


def _positions(values: tuple[str, ...], wanted: str) -> list[int]:
    found, i = [], 0
    try:
        while True:
            i = values.index(wanted, i)  # scans in C: refund rows are few, charges many
            found.append(i)
            i += 1
    except ValueError:
        return found


def _ints(column: Sequence[str], places: int) -> list[int]:
    """Plain decimals with exactly `places` digits after the point (or none when places is 0) to minor units."""
    joined = "\n".join(column)
    if joined.translate(_NOT_PLAIN) or joined.count("-") != joined.count("\n-") + joined.startswith("-"):
        raise _Unusual
    if places:
        if joined.count(".") != len(column) or set(map(itemgetter(-places - 1), column)) != {"."}:
            raise _Unusual
        joined = joined.replace(".", "")
    elif "." in joined:
        raise _Unusual
    values = list(map(int, joined.split("\n")))
    if max(values) >= MAX_MINOR or min(values) <= -MAX_MINOR:
        raise _Unusual
    return values
