"""Reading a settlement report file: the quick split of unquoted lines gives what the csv module gives, whatever
the chunk boundaries, quoting or line endings."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.settlement import COLUMNS, RowParser, Tally
from services import settlement_file
from services.settlement_file import SettlementFile

AT = datetime(2026, 3, 10, 12, tzinfo=UTC)


@st.composite
def _line(draw: st.DrawFn) -> list[str]:
    amount, fee = draw(st.integers(-(10**7), 10**7)), draw(st.integers(0, 10**4))

    def text(minor: int) -> str:
        sign = "-" if minor < 0 else ""
        return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"

    created = (AT + timedelta(seconds=draw(st.integers(0, 10**6)))).isoformat()
    kind = draw(st.sampled_from(["charge", "refund", "payout"]))
    note = draw(st.sampled_from(["", "k1", "k, quoted", 'say "hi"', "two\nlines", "中文"]))
    return [draw(st.sampled_from(["re_1", "re_2", "ch_1"])), kind, text(amount), text(fee), text(amount - fee),
            draw(st.sampled_from(["CNY", "EUR"])), created, "po", note]  # fmt: skip


def _expected(lines: list[list[str]]) -> tuple[Tally, list[tuple[object, ...]]]:
    parser, tally, refunds = RowParser(list(COLUMNS)), Tally(), []
    line = 2  # a record is numbered by its first physical line; quoted newlines make it span more
    for fields in lines:
        parsed = parser.parse(fields, line)
        line += 1 + sum(f.count("\n") for f in fields)
        tally.add_row(parsed)
        if parsed.type == "refund":
            refunds.append(tuple(parsed))
    return tally, refunds


def _read(data: bytes) -> tuple[Tally, list[tuple[object, ...]]]:
    tally, refunds = Tally(), []
    for batch in SettlementFile(io.BytesIO(data)).batches(size=3):
        tally.merge(batch.tally)
        refunds += [tuple(r) for r in batch.refunds]
    return tally, refunds


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(_line(), min_size=1, max_size=25),
    crlf=st.booleans(),
    chunk=st.sampled_from([5, 17, 64, 1 << 16]),
)
def test_the_file_reads_as_the_csv_module_reads_it(lines: list[list[str]], crlf: bool, chunk: int) -> None:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n" if crlf else "\n").writerows([list(COLUMNS), *lines])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settlement_file, "_CHUNK", chunk)  # lines and characters cut at every boundary
        got = _read(out.getvalue().encode("utf-8"))
    assert got == _expected(lines)


@pytest.mark.parametrize("chunk", [3, 11, 1 << 16])
def test_a_bad_line_after_good_ones_is_named_whatever_the_chunks(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    good = "ch_1,charge,1.00,0.00,1.00,CNY,2026-03-10,po,\n"
    data = (",".join(COLUMNS) + "\n" + good * 4 + "ch_2,charge,1.00,0.00,oops,CNY,2026-03-10,po,\n").encode()
    monkeypatch.setattr(settlement_file, "_CHUNK", chunk)
    with pytest.raises(InvalidInput, match="line 6"):
        _read(data)
