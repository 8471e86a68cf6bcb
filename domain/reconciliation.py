"""Reconciliation: settlement rows matched one by one against our refunds, by provider id, then by reference."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from domain.money import Money
from domain.settlement import REFUND, RowFields, SettlementRow, Tally

PROVIDER_TENDERS = frozenset({"card", "wallet"})  # gift cards, points, store credit never pass the provider


class Kind(StrEnum):
    MISSING_AT_PROVIDER = "missing_at_provider"  # we hold it as succeeded; the report lacks it
    UNKNOWN_AT_PROVIDER = "unknown_at_provider"  # the report pays a refund we never asked for
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    DUPLICATE = "duplicate"  # the same provider refund twice, or a second payout for one idempotency key
    STATUS_MISMATCH = "status_mismatch"  # the provider paid a refund we record as failed: money we don't account for


# Kinds that settle one of our refunds; the others describe a report row we could not pair with one.
PER_REFUND = frozenset({Kind.MISSING_AT_PROVIDER, Kind.AMOUNT_MISMATCH, Kind.CURRENCY_MISMATCH, Kind.STATUS_MISMATCH})


class ExpectedRefund(NamedTuple):  # a tuple: built by the thousand straight from query rows
    """A refund we asked the provider for (refunds row): amount positive, as we paid it."""

    refund_id: int
    reference: str
    provider_refund_id: str | None
    amount_minor: int
    currency: str
    status: str  # pending | succeeded | failed


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Kind
    provider_txn_id: str | None
    reference: str | None
    expected: Money | None
    actual: Money | None
    line: int | None = None
    refund_id: int | None = None


@dataclass
class Outcome:
    tally: Tally  # every row, charges included: counts and sums per currency, and the time span
    refund_rows: int
    matched: int
    findings: list[Finding]


RefundFields = tuple[int, str, str | None, int, str, str]  # an ExpectedRefund as a plain tuple


class Matcher:
    """Classifies report rows as they stream past; refunds we hold can be added at any time before their rows."""

    def __init__(self) -> None:
        # Plain tuples, not ExpectedRefund: the garbage collector stops tracking exact tuples of plain values,
        # while 100,000 NamedTuples would be walked again by every full collection during the import.
        self._by_id: dict[str, RefundFields] = {}
        self._by_ref: dict[str, RefundFields] = {}
        self._settled: set[int] = set()  # our refunds already paired with a row: a second pairing is a duplicate
        self._seen: set[str] = set()  # provider ids of refund rows (memory grows with refunds, not with charges)
        self.matched = 0
        self.findings: list[Finding] = []
        self.tally = Tally()
        self.refund_rows = 0

    def know(self, refunds: Iterable[RefundFields]) -> None:
        """Our refunds that report rows may pay (from a lookup by key, or preloaded for the period)."""
        by_id, by_ref = self._by_id, self._by_ref
        for refund in refunds:
            plain: RefundFields = refund if type(refund) is tuple else (*refund,)
            if plain[2]:
                by_id[plain[2]] = plain
            by_ref[plain[1]] = plain

    @property
    def settled_ids(self) -> frozenset[int]:
        """Our refunds paired with a report row so far, matched or not."""
        return frozenset(self._settled)

    def unknown_ids(self, rows: Iterable[RowFields]) -> set[str]:
        """Provider ids of refund rows whose refund we have not been told about yet (by id or by reference)."""
        by_id, by_ref = self._by_id, self._by_ref
        return {r[1] for r in rows if r[2] == REFUND and r[1] not in by_id and r[9] not in by_ref}

    def unknown_references(self, rows: Iterable[RowFields]) -> set[str]:
        """References of refund rows whose refund we still do not know by the row's provider id or reference."""
        by_id, by_ref = self._by_id, self._by_ref
        return {r[9] for r in rows if r[2] == REFUND and r[9] and r[1] not in by_id and r[9] not in by_ref}

    def feed(self, row: SettlementRow) -> None:
        """One row of any type, in file order."""
        self.count(Tally.of(row))
        if row.type == REFUND:  # charges, payouts, fees: counted in the totals, nothing of ours to pair them with
            self.match([row])

    def count(self, tally: Tally) -> None:
        """Add rows to the totals (they need no refund of ours)."""
        self.tally.merge(tally)

    def match(self, refund_rows: Iterable[RowFields]) -> None:
        """Pair refund rows with our refunds, in file order; refunds behind them must be known by now."""
        by_id, by_ref, settled, seen, note = self._by_id, self._by_ref, self._settled, self._seen, self._note
        rows = matched = 0
        for row in refund_rows:  # one loop, no call per row: a report may hold a hundred thousand refunds
            rows += 1
            txn_id = row[1]
            plain = by_id.get(txn_id)
            if plain is None:
                reference = row[9]
                plain = by_ref.get(reference) if reference else None
                if plain is None:
                    note(Kind.DUPLICATE if txn_id in seen else Kind.UNKNOWN_AT_PROVIDER, row, None)
                    seen.add(txn_id)
                    continue
                if plain[2] not in (None, txn_id):  # our record names another provider refund: a second payout
                    seen.add(txn_id)
                    note(Kind.DUPLICATE, row, plain)
                    continue
            refund_id = plain[0]
            if refund_id in settled or txn_id in seen:
                seen.add(txn_id)
                note(Kind.DUPLICATE, row, plain)
                continue
            seen.add(txn_id)
            settled.add(refund_id)
            if plain[4] != row[6]:
                note(Kind.CURRENCY_MISMATCH, row, plain)
            elif plain[3] != -row[3]:  # the report signs refunds negative; we record them positive
                note(Kind.AMOUNT_MISMATCH, row, plain)
            elif plain[5] == "failed":
                note(Kind.STATUS_MISMATCH, row, plain)
            else:  # a pending refund the provider already paid is fine: its webhook is simply still on its way
                matched += 1
        self.refund_rows += rows
        self.matched += matched

    def _note(self, kind: Kind, fields: RowFields, plain: RefundFields | None) -> None:
        row = SettlementRow._make(fields)
        actual = Money(-row.amount, row.currency)
        if plain is None:
            self.findings.append(Finding(kind, row.txn_id, row.reference or None, None, actual, row.line))
            return
        refund = ExpectedRefund._make(plain)
        expected = Money(refund.amount_minor, refund.currency)
        refund_id = refund.refund_id if kind in PER_REFUND else None
        self.findings.append(Finding(kind, row.txn_id, refund.reference, expected, actual, row.line, refund_id))

    def missing(self, expected: Iterable[RefundFields]) -> None:
        """After the last row: every succeeded refund of the period that no row paid is missing at the provider."""
        for refund in map(ExpectedRefund._make, expected):
            if refund.status == "succeeded" and refund.refund_id not in self._settled:
                self._settled.add(refund.refund_id)
                money = Money(refund.amount_minor, refund.currency)
                kind, txn_id = Kind.MISSING_AT_PROVIDER, refund.provider_refund_id
                self.findings.append(Finding(kind, txn_id, refund.reference, money, None, None, refund.refund_id))

    def outcome(self) -> Outcome:
        return Outcome(self.tally, self.refund_rows, self.matched, self.findings)


def reconcile(rows: Iterable[SettlementRow], expected: Iterable[ExpectedRefund]) -> Outcome:
    """Match a whole report against the refunds we expect for its period (the service streams in batches)."""
    expected = list(expected)
    matcher = Matcher()
    matcher.know(expected)
    for row in rows:
        matcher.feed(row)
    matcher.missing(expected)
    return matcher.outcome()
