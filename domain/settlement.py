"""The provider's settlement report, line by line: typed rows with amounts in integer minor units."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from domain.errors import InvalidInput
from domain.money import Money, check_currency, exponent

COLUMNS = ("id", "type", "amount", "fee", "net", "currency", "created", "payout_id", "reference")
REFUND = "refund"
MAX_MINOR = 10**15  # far above any real line, far below BIGINT: a typo in the file cannot overflow a column
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]*)?", re.ASCII)


class SettlementRow(NamedTuple):
    """One balance transaction of the report, amounts in minor units, signed as the provider signs them."""

    line: int
    txn_id: str
    type: str
    amount: int
    fee: int
    net: int
    currency: str
    created: datetime
    payout_id: str
    reference: str


RowFields = tuple[int, str, str, int, int, int, str, datetime, str, str]  # a SettlementRow as a plain tuple


@dataclass(slots=True)
class Totals:
    rows: int = 0
    gross: int = 0
    fees: int = 0
    net: int = 0


@dataclass
class Tally:
    """Row counts and sums per currency, and the time the rows span."""

    rows: int = 0
    totals: dict[str, Totals] = field(default_factory=dict)
    first_at: datetime | None = None
    last_at: datetime | None = None

    def add(self, currency: str, sums: Totals, first: datetime, last: datetime) -> None:
        mine = self.totals.setdefault(currency, Totals())
        mine.rows += sums.rows
        mine.gross += sums.gross
        mine.fees += sums.fees
        mine.net += sums.net
        self.rows += sums.rows
        self.first_at = first if self.first_at is None else min(self.first_at, first)
        self.last_at = last if self.last_at is None else max(self.last_at, last)

    def add_row(self, row: SettlementRow) -> None:
        self.add(row.currency, Totals(1, row.amount, row.fee, row.net), row.created, row.created)

    @classmethod
    def of(cls, row: SettlementRow) -> Tally:
        tally = cls()
        tally.add_row(row)
        return tally

    def merge(self, other: Tally) -> None:
        if other.first_at is None or other.last_at is None:
            return
        for currency, sums in other.totals.items():
            self.add(currency, sums, other.first_at, other.last_at)


@dataclass
class Batch:
    """A run of consecutive rows: their tally, and the refund rows one by one for matching."""

    tally: Tally
    # Plain tuples in SettlementRow's field order: the garbage collector stops tracking those at once, while
    # the thousands of refund rows waiting for a lookup would otherwise keep triggering full collections.
    refunds: list[RowFields]


def fail(line: int, message: str) -> InvalidInput:
    return InvalidInput(f"line {line}: {message}", code="invalid_settlement_report", fields={"file": message})


class RowParser:
    """Reads the report by its header (column order free, extra columns ignored) and types each line."""

    def __init__(self, header: Sequence[str]) -> None:
        names = [name.strip().lower() for name in header]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise fail(1, f"missing column(s) {', '.join(missing)}; a settlement report has {', '.join(COLUMNS)}")
        twice = sorted({n for n in names if n and names.count(n) > 1})
        if twice:
            raise fail(1, f"column(s) {', '.join(twice)} appear more than once")
        self.width = len(names)
        self.at = tuple(names.index(c) for c in COLUMNS)
        self._currencies: dict[str, tuple[str, int]] = {}  # as written -> (ISO code, exponent), checked once each

    def parse(self, fields: Sequence[str], line: int) -> SettlementRow:
        """The exact path: one line, and an error that says what is wrong with it."""
        if len(fields) != self.width:
            raise fail(line, f"{len(fields)} fields where the header has {self.width}")
        txn_id, type_, amount_t, fee_t, net_t, currency_t, created_t, payout, reference = (fields[i] for i in self.at)
        currency, places = self.currency(currency_t, line)
        amount = _minor(amount_t, currency, places, line, "amount")
        fee = _minor(fee_t, currency, places, line, "fee")
        net = _minor(net_t, currency, places, line, "net")
        if amount - fee != net:
            raise fail(line, f"net {net_t} is not amount {amount_t} minus fee {fee_t}")
        # ids and references are kept exactly as written: they must equal ours character for character
        kind, created = type_.strip().lower(), _timestamp(created_t, line)
        row = SettlementRow(line, txn_id, kind, amount, fee, net, currency, created, payout, reference)
        if not row.txn_id or not row.type:
            raise fail(line, "id and type must not be empty")
        if row.type == REFUND and (len(row.txn_id) > 64 or len(row.reference) > 120):
            # a refund's id and reference may land in a discrepancy: refused here rather than at the database
            raise fail(line, "a refund's id is longer than 64 characters or its reference longer than 120")
        return row

    def currency(self, text: str, line: int) -> tuple[str, int]:
        known = self._currencies.get(text)
        if known is None:
            try:
                code = check_currency(text)
            except InvalidInput:
                raise fail(line, f"currency '{text[:20]}' is not an ISO-4217 code") from None
            known = self._currencies[text] = (code, exponent(code))
        return known


def _minor(text: str, currency: str, places: int, line: int, column: str) -> int:
    """Major-unit text to minor units; plain decimals take a short cut that gives what Money.parse gives."""
    value = None
    if _PLAIN.fullmatch(text):
        whole, _, frac = text.partition(".")
        if len(frac) <= places:
            value = int(whole + frac + "0" * (places - len(frac)))
    if value is None:  # anything unusual goes to the one authority on amounts
        try:
            value = Money.parse(text, currency).minor
        except InvalidInput as err:
            raise fail(line, f"{column} {err.detail[:80]}") from None
    if abs(value) >= MAX_MINOR:
        raise fail(line, f"{column} {text[:30]} is out of range")
    return value


def _timestamp(text: str, line: int) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise fail(line, f"created '{text[:40]}' is not an ISO-8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # providers export UTC without an offset
