"""Reconciliation rules, table-driven: parsing settlement lines, matching rows to our refunds, totals, periods."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.money import Money
from domain.period import Period, parse_bound
from domain.reconciliation import PER_REFUND, ExpectedRefund, Kind, Matcher, reconcile
from domain.settlement import COLUMNS, RowParser, SettlementRow, Tally
from domain.settlement_batch import parse_batch

AT = datetime(2026, 3, 10, 12, tzinfo=UTC)


def row(
    txn_id: str, reference: str = "", amount: int = -1_000, currency: str = "CNY", type_: str = "refund"
) -> SettlementRow:
    return SettlementRow(1, txn_id, type_, amount, 0, amount, currency, AT, "po", reference)


def ours(
    refund_id: int,
    reference: str,
    amount: int = 1_000,
    *,
    txn: str | None = None,
    currency: str = "CNY",
    status: str = "succeeded",
) -> ExpectedRefund:
    return ExpectedRefund(refund_id, reference, txn, amount, currency, status)


# (case, our refunds, report rows, matched, findings as (kind, provider id, reference))
MATCHING = [
    ("clean by provider id", [ours(1, "k1", txn="re_1")], [row("re_1", "k1")], 1, []),
    ("clean by reference when we lack the provider id", [ours(1, "k1")], [row("re_9", "k1")], 1, []),
    ("charges are counted, never matched", [], [row("ch_1", amount=5_000, type_="charge")], 0, []),
    ("missing at provider", [ours(1, "k1", txn="re_1")], [], 0, [(Kind.MISSING_AT_PROVIDER, "re_1", "k1")]),
    ("unknown at provider", [], [row("re_7", "k7")], 0, [(Kind.UNKNOWN_AT_PROVIDER, "re_7", "k7")]),
    ("amount mismatch", [ours(1, "k1", 1_000)], [row("re_1", "k1", -999)], 0, [(Kind.AMOUNT_MISMATCH, "re_1", "k1")]),
    (
        "currency mismatch",
        [ours(1, "k1", currency="EUR")],
        [row("re_1", "k1")],
        0,
        [(Kind.CURRENCY_MISMATCH, "re_1", "k1")],
    ),
    (
        "same provider refund twice",
        [ours(1, "k1", txn="re_1")],
        [row("re_1", "k1"), row("re_1", "k1")],
        1,
        [(Kind.DUPLICATE, "re_1", "k1")],
    ),
    (
        "second payout for one idempotency key",
        [ours(1, "k1")],
        [row("re_1", "k1"), row("re_2", "k1")],
        1,
        [(Kind.DUPLICATE, "re_2", "k1")],
    ),
    (
        "a key our record says another provider refund paid",
        [ours(1, "k1", txn="re_1")],
        [row("re_2", "k1"), row("re_1", "k1")],
        1,
        [(Kind.DUPLICATE, "re_2", "k1")],
    ),
    (
        "unknown refund reported twice",
        [],
        [row("re_7"), row("re_7")],
        0,
        [(Kind.UNKNOWN_AT_PROVIDER, "re_7", None), (Kind.DUPLICATE, "re_7", None)],
    ),
    (
        "paid although we hold it as failed",
        [ours(1, "k1", status="failed")],
        [row("re_1", "k1")],
        0,
        [(Kind.STATUS_MISMATCH, "re_1", "k1")],
    ),
    (
        "paid while still pending here (webhook on its way)",
        [ours(1, "k1", status="pending")],
        [row("re_1", "k1")],
        1,
        [],
    ),
    ("pending and not yet reported is not missing", [ours(1, "k1", status="pending")], [], 0, []),
    ("failed and not reported is not missing", [ours(1, "k1", status="failed")], [], 0, []),
]


@pytest.mark.parametrize(("case", "expected", "rows", "matched", "findings"), MATCHING, ids=[m[0] for m in MATCHING])
def test_matching(case: str, expected, rows, matched: int, findings) -> None:
    outcome = reconcile(rows, expected)
    assert outcome.matched == matched
    assert [(f.kind, f.provider_txn_id, f.reference) for f in outcome.findings] == findings


def test_mismatch_findings_carry_both_amounts() -> None:
    outcome = reconcile([row("re_1", "k1", -999)], [ours(1, "k1", 1_000)])
    (finding,) = outcome.findings
    assert (finding.expected, finding.actual, finding.refund_id) == (Money(1_000, "CNY"), Money(999, "CNY"), 1)


def test_totals_per_currency_in_minor_units() -> None:
    text = "\n".join(
        [
            ",".join(COLUMNS),
            "ch_1,charge,129.90,3.77,126.13,CNY,2026-03-10T10:00:00+00:00,po_1,",
            "re_1,refund,-12.99,0.00,-12.99,CNY,2026-03-10T11:00:00+00:00,po_1,k1",
            "ch_2,charge,5000,145,4855,JPY,2026-03-11T09:00:00+00:00,po_2,",
            "ch_3,charge,10.500,0.305,10.195,KWD,2026-03-12T09:00:00+00:00,po_3,",
        ]
    )
    outcome = reconcile(_rows(text), [])
    totals = {c: (t.rows, t.gross, t.fees, t.net) for c, t in outcome.tally.totals.items()}
    assert totals == {"CNY": (2, 11_691, 377, 11_314), "JPY": (1, 5_000, 145, 4_855), "KWD": (1, 10_500, 305, 10_195)}
    assert (outcome.tally.first_at, outcome.tally.last_at) == (
        AT - timedelta(hours=2),
        AT + timedelta(days=2, hours=-3),
    )
    assert outcome.refund_rows == 1


def _rows(text: str) -> list[SettlementRow]:
    reader = csv.reader(io.StringIO(text))
    parser = RowParser(next(reader))
    return [parser.parse(fields, reader.line_num) for fields in reader]


GOOD_LINES = [
    ("plain", "re_1,refund,-12.30,0.00,-12.30,CNY,2026-03-10T12:00:00+00:00,po,k", (-1_230, 0, -1_230, "CNY")),
    ("one decimal", "re_1,refund,-12.3,0,-12.3,CNY,2026-03-10T12:00:00Z,po,k", (-1_230, 0, -1_230, "CNY")),
    ("below one unit", "re_1,refund,-0.05,0.00,-0.05,CNY,2026-03-10,po,k", (-5, 0, -5, "CNY")),
    ("yen has no decimals", "ch_1,charge,1299,38,1261,JPY,2026-03-10 12:00:00,po,", (1_299, 38, 1_261, "JPY")),
    ("dinar has three", "ch_1,charge,1.005,0.030,0.975,KWD,2026-03-10T12:00:00+00:00,po,", (1_005, 30, 975, "KWD")),
    ("lower-case currency", "ch_1,charge,1.00,0.00,1.00,usd,2026-03-10T12:00:00+00:00,po,", (100, 0, 100, "USD")),
    (
        "explicit plus, trailing zeros",
        "ch_1,charge,+1.500,0,1.5,EUR,2026-03-10T12:00:00+00:00,po,",
        (150, 0, 150, "EUR"),
    ),
]


@pytest.mark.parametrize(("case", "line", "parsed"), GOOD_LINES, ids=[g[0] for g in GOOD_LINES])
def test_good_lines(case: str, line: str, parsed: tuple[int, int, int, str]) -> None:
    (got,) = _rows(",".join(COLUMNS) + "\n" + line)
    assert (got.amount, got.fee, got.net, got.currency) == parsed
    assert got.created.tzinfo is not None and got.line == 2


BAD_LINES = [
    ("too few fields", "re_1,refund,-1.00", "3 fields where the header has 9"),
    ("not a number", "re_1,refund,-1.0x,0,-1.0x,CNY,2026-03-10,po,k", "amount '-1.0x' is not an amount"),
    ("sub-minor digits", "re_1,refund,-1.001,0,-1.001,CNY,2026-03-10,po,k", "more decimals than CNY allows"),
    ("yen with decimals", "ch_1,charge,12.5,0,12.5,JPY,2026-03-10,po,", "more decimals than JPY allows"),
    ("unknown currency", "re_1,refund,-1.00,0,-1.00,XYZ,2026-03-10,po,k", "currency 'XYZ' is not an ISO-4217 code"),
    ("net is not amount minus fee", "ch_1,charge,10.00,0.29,9.70,CNY,2026-03-10,po,", "net 9.70 is not amount"),
    ("no timestamp", "re_1,refund,-1.00,0,-1.00,CNY,yesterday,po,k", "created 'yesterday' is not an ISO-8601"),
    ("empty id", ",refund,-1.00,0,-1.00,CNY,2026-03-10,po,k", "id and type must not be empty"),
    ("absurd amount", "ch_1,charge,1e20,0,1e20,CNY,2026-03-10,po,", "out of range"),
    ("reference too long", "re_1,refund,-1.00,0,-1.00,CNY,2026-03-10,po," + "k" * 121, "reference longer than 120"),
]


@pytest.mark.parametrize(("case", "line", "message"), BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_bad_lines_name_the_line(case: str, line: str, message: str) -> None:
    text = ",".join(COLUMNS) + "\nch_0,charge,1.00,0.00,1.00,CNY,2026-03-10,po,\n" + line
    with pytest.raises(InvalidInput) as err:
        _rows(text)
    assert err.value.detail.startswith("line 3: "), err.value.detail
    assert message in err.value.detail
    assert err.value.code == "invalid_settlement_report"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["txn", "kind", "amt"], "missing column(s) id, type, amount, fee, net, currency, created, payout_id"),
        ([*COLUMNS, "id"], "column(s) id appear more than once"),
    ],
)
def test_bad_headers(header: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=r"line 1: ") as err:
        RowParser(header)
    assert message in err.value.detail


def test_columns_in_any_order_and_extra_ones_ignored() -> None:
    header = [
        "reference",
        "currency",
        "Created",
        "note",
        *[c for c in COLUMNS if c not in {"reference", "currency", "created"}],
    ]
    parser = RowParser(header)
    got = parser.parse(
        ["k1", "CNY", "2026-03-10T12:00:00+00:00", "hi", "re_1", "refund", "-1.00", "0.00", "-1.00", "po"], 2
    )
    assert (got.txn_id, got.reference, got.amount, got.currency) == ("re_1", "k1", -100, "CNY")


# Report lines as providers write them: the usual plain ones and the unusual ones the fast path hands on.
_amount = st.integers(-(10**9), 10**9)
_cell = st.sampled_from(["{a}", " {a}", "+{a}", "{a}0"])
_currency = st.sampled_from(["CNY", "cny", "JPY", "EUR", "KWD"])
_type = st.sampled_from(["charge", "refund", "Refund", "payout"])


@st.composite
def _lines(draw: st.DrawFn) -> list[str]:
    currency = draw(_currency)
    places = {"JPY": 0, "KWD": 3}.get(currency.upper(), 2)
    amount, fee = draw(_amount), draw(st.integers(0, 10**6))

    def text(minor: int) -> str:
        plain = f"{Money(minor, currency.upper()).to_decimal():f}" if places else str(minor)
        if not places:
            return plain
        form = draw(_cell)
        return plain if form.startswith("+") and minor < 0 else form.format(a=plain)

    moment = AT + timedelta(seconds=draw(st.integers(0, 10**7)))
    created = moment.isoformat() if draw(st.booleans()) else moment.replace(tzinfo=None).isoformat(sep=" ")
    reference = draw(st.sampled_from(["", "k1", "k2"]))
    txn_id, kind = draw(st.sampled_from(["re_1", "re_2", "ch_1"])), draw(_type)
    return [txn_id, kind, text(amount), text(fee), text(amount - fee), currency, created, "po", reference]


@settings(max_examples=200, deadline=None)
@given(st.lists(_lines(), min_size=1, max_size=40))
def test_batch_parse_equals_line_by_line(lines: list[list[str]]) -> None:
    """The column-wise fast path gives exactly what the line-by-line path gives, or hands over to it."""
    parser = RowParser(list(COLUMNS))
    slow_tally, slow_refunds = Tally(), []
    for i, fields in enumerate(lines):
        parsed = parser.parse(fields, i + 2)
        slow_tally.add_row(parsed)
        if parsed.type == "refund":
            slow_refunds.append(parsed)
    fast = parse_batch(parser, lines, 2, len(lines) + 1)
    assert fast.tally == slow_tally
    assert fast.refunds == slow_refunds


def test_batch_parse_names_the_bad_line() -> None:
    good = ["ch_1", "charge", "1.00", "0.00", "1.00", "CNY", "2026-03-10", "po", ""]
    bad = ["ch_2", "charge", "1.00", "0.00", "1.01", "CNY", "2026-03-10", "po", ""]
    with pytest.raises(InvalidInput, match=r"^line 12: net 1.01"):
        parse_batch(RowParser(list(COLUMNS)), [good] * 10 + [bad], 2, 12)


_references = st.sampled_from([f"k{i}" for i in range(8)] + [""])
_ids = st.sampled_from([f"re_{i}" for i in range(8)])


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[list[ExpectedRefund], list[SettlementRow]]:
    keys = draw(st.lists(st.sampled_from([f"k{i}" for i in range(8)]), unique=True, max_size=8))
    expected = [
        ExpectedRefund(
            n,
            key,
            draw(st.one_of(st.none(), _ids)),
            draw(st.integers(1, 3)) * 100,
            draw(st.sampled_from(["CNY", "EUR"])),
            draw(st.sampled_from(["succeeded", "succeeded", "pending", "failed"])),
        )
        for n, key in enumerate(keys, start=1)
    ]
    rows = []
    for line in range(2, 2 + draw(st.integers(0, 12))):
        amount = -draw(st.integers(1, 3)) * 100
        kind = draw(st.sampled_from(["refund", "refund", "charge"]))
        rows.append(SettlementRow(line, draw(_ids), kind, amount, 0, amount, "CNY", AT, "po", draw(_references)))
    return expected, rows


@settings(max_examples=300, deadline=None)
@given(_scenario())
def test_every_refund_and_every_refund_row_is_accounted_for_once(scenario) -> None:
    """Each of our succeeded refunds ends up exactly once: matched or one discrepancy; so does each refund row."""
    expected, rows = scenario
    matcher = Matcher()
    matcher.know(expected)
    for r in rows:
        matcher.feed(r)
    matcher.missing(expected)
    outcome = matcher.outcome()
    per_refund = [f.refund_id for f in outcome.findings if f.kind in PER_REFUND]
    assert len(per_refund) == len(set(per_refund)), "a refund reported twice"
    matched_ids = matcher.settled_ids - set(per_refund)
    assert len(matched_ids) == outcome.matched
    for refund in expected:
        if refund.status == "succeeded":
            assert (refund.refund_id in matched_ids) + per_refund.count(refund.refund_id) == 1, refund
    row_findings = [f for f in outcome.findings if f.line is not None]
    assert outcome.matched + len(row_findings) == outcome.refund_rows == sum(r.type == "refund" for r in rows)


def test_period_bounds() -> None:
    assert parse_bound("2026-03-01", end=False, field="from") == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_bound("2026-03-31", end=True, field="to") == datetime(2026, 4, 1, tzinfo=UTC)
    assert parse_bound("2026-03-01T08:00:00+08:00", end=True, field="to") == datetime(2026, 3, 1, tzinfo=UTC)
    assert Period.parse(None, None) is None
    first, last = datetime(2026, 3, 1, 23, tzinfo=UTC), datetime(2026, 3, 3, 1, tzinfo=UTC)
    assert Period.covering(first, last) == Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC))


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [("2026-03-01", None, "to"), ("yesterday", "2026-03-02", "from"), ("2026-03-01T10:00:00", "2026-03-02", "from")],
)
def test_bad_periods_name_the_field(start: str | None, end: str | None, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Period.parse(start, end)
    assert field in err.value.fields
    with pytest.raises(InvalidInput, match="must end after it starts"):
        Period.parse("2026-03-02", "2026-03-01")


def test_plain_lines_take_the_column_wise_path(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = RowParser(list(COLUMNS))
    monkeypatch.setattr(parser, "parse", lambda *_: pytest.fail("plain lines went line by line"))
    lines = [
        ["ch_1", "charge", "129.90", "3.77", "126.13", "CNY", "2026-03-10T10:00:00+00:00", "po_1", ""],
        ["re_1", "refund", "-12.99", "0.00", "-12.99", "EUR", "2026-03-10T11:00:00+00:00", "po_1", "k1"],
        ["ch_2", "charge", "0.50", "0.01", "0.49", "CNY", "2026-03-10 12:00:00", "po_1", ""],
    ]
    batch = parse_batch(parser, lines, 2, 4)
    assert batch.refunds == [
        SettlementRow(3, "re_1", "refund", -1_299, 0, -1_299, "EUR", AT - timedelta(hours=1), "po_1", "k1")
    ]
    assert {c: t.gross for c, t in batch.tally.totals.items()} == {"CNY": 13_040, "EUR": -1_299}
