"""The partners' own books (charges, refunds, shipments, idempotency keys) in SQLite, so a restart keeps them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS charges (
    id TEXT PRIMARY KEY, amount INTEGER NOT NULL, currency TEXT NOT NULL,
    reference TEXT, created_at TEXT NOT NULL, source_charge_id TEXT);
CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY, charge_id TEXT NOT NULL REFERENCES charges(id), amount INTEGER NOT NULL,
    currency TEXT NOT NULL, reference TEXT NOT NULL, idempotency_key TEXT NOT NULL,
    status TEXT NOT NULL, outcome TEXT NOT NULL, failure_reason TEXT,
    created_at TEXT NOT NULL, settled_at TEXT);
CREATE INDEX IF NOT EXISTS refunds_reference ON refunds(reference);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, resource_id TEXT NOT NULL,
    PRIMARY KEY (scope, key));
CREATE TABLE IF NOT EXISTS shipments (
    tracking_number TEXT PRIMARY KEY, reference TEXT NOT NULL, service TEXT NOT NULL,
    status TEXT NOT NULL, from_address TEXT NOT NULL, to_address TEXT NOT NULL,
    weight_g INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shipment_events (
    event_id TEXT PRIMARY KEY, tracking_number TEXT NOT NULL REFERENCES shipments(tracking_number),
    seq INTEGER NOT NULL, status TEXT NOT NULL, occurred_at TEXT NOT NULL, location TEXT);
"""


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    # Fixed width with microseconds, so stored strings sort in time order.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class Charge:
    id: str
    amount: int
    currency: str
    reference: str | None
    created_at: str
    source_charge_id: str | None = None  # merchant-initiated: charged to the card of that earlier charge


@dataclass(frozen=True, slots=True)
class Refund:
    id: str
    charge_id: str
    amount: int
    currency: str
    reference: str
    idempotency_key: str
    status: str  # pending | succeeded | failed
    outcome: str  # what settlement will turn it into, decided when created (decline faults)
    failure_reason: str | None
    created_at: str
    settled_at: str | None


@dataclass(frozen=True, slots=True)
class Shipment:
    tracking_number: str
    reference: str
    service: str
    status: str
    from_address: dict[str, Any]
    to_address: dict[str, Any]
    weight_g: int
    created_at: str


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    event_id: str
    tracking_number: str
    seq: int
    status: str
    occurred_at: str
    location: str | None


class Store:
    """One SQLite connection used from the event loop only; each write is its own transaction."""

    def __init__(self, path: Path | None) -> None:
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(SCHEMA)
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(charges)")}
        if "source_charge_id" not in columns:  # a state file written before merchant-initiated charges
            with self._db:
                self._db.execute("ALTER TABLE charges ADD COLUMN source_charge_id TEXT")

    @property
    def db(self) -> sqlite3.Connection:
        """The connection the other partners' books (warehouse, repair, authorisations) share."""
        return self._db

    def close(self) -> None:
        self._db.close()

    # idempotency -------------------------------------------------------------------------------

    def idempotent(self, scope: str, key: str) -> tuple[str, str] | None:
        """(fingerprint, resource id) remembered for this key, if any."""
        row = self._db.execute(
            "SELECT fingerprint, resource_id FROM idempotency WHERE scope = ? AND key = ?", (scope, key)
        ).fetchone()
        return (row["fingerprint"], row["resource_id"]) if row else None

    def remember(self, scope: str, key: str, fingerprint: str, resource_id: str) -> None:
        """Record a key for a resource; call inside the transaction that writes the resource."""
        self._db.execute(
            "INSERT INTO idempotency (scope, key, fingerprint, resource_id) VALUES (?, ?, ?, ?)",
            (scope, key, fingerprint, resource_id),
        )

    # payments ----------------------------------------------------------------------------------

    def add_charge(self, charge: Charge, idempotency_key: str | None = None, fingerprint: str = "") -> None:
        """Insert the charge and, when given, its idempotency key, atomically."""
        with self._db:
            self.insert_charge(charge)
            if idempotency_key is not None:
                self.remember("charges", idempotency_key, fingerprint, charge.id)

    def insert_charge(self, charge: Charge) -> None:
        """Insert a charge within the caller's transaction (a capture writes it with the authorisation)."""
        self._db.execute(
            "INSERT INTO charges (id, amount, currency, reference, created_at, source_charge_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (charge.id, charge.amount, charge.currency, charge.reference, charge.created_at, charge.source_charge_id),
        )

    def charge(self, charge_id: str) -> Charge | None:
        row = self._db.execute("SELECT * FROM charges WHERE id = ?", (charge_id,)).fetchone()
        return Charge(**dict(row)) if row else None

    def charges_between(self, start: str, end: str) -> list[Charge]:
        rows = self._db.execute(
            "SELECT * FROM charges WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id", (start, end)
        )
        return [Charge(**dict(r)) for r in rows]

    def refunded_total(self, charge_id: str) -> int:
        """What is refunded or on its way back; failed refunds give the money back to the charge."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(amount), 0) AS total FROM refunds WHERE charge_id = ? AND status != 'failed'",
            (charge_id,),
        ).fetchone()
        return int(row["total"])

    def add_refund(self, refund: Refund, fingerprint: str) -> None:
        """Insert the refund and its idempotency key atomically: a key never points at nothing."""
        with self._db:
            self._db.execute(
                "INSERT INTO refunds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    refund.id,
                    refund.charge_id,
                    refund.amount,
                    refund.currency,
                    refund.reference,
                    refund.idempotency_key,
                    refund.status,
                    refund.outcome,
                    refund.failure_reason,
                    refund.created_at,
                    refund.settled_at,
                ),
            )
            self.remember("refunds", refund.idempotency_key, fingerprint, refund.id)

    def refund(self, refund_id: str) -> Refund | None:
        row = self._db.execute("SELECT * FROM refunds WHERE id = ?", (refund_id,)).fetchone()
        return Refund(**dict(row)) if row else None

    def refunds(self, *, reference: str | None = None, status: str | None = None) -> list[Refund]:
        sql, args = "SELECT * FROM refunds WHERE 1 = 1", []
        if reference is not None:
            sql += " AND (reference = ? OR idempotency_key = ?)"
            args += [reference, reference]
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        return [Refund(**dict(r)) for r in self._db.execute(sql + " ORDER BY created_at, id", args)]

    def settle_refund(self, refund_id: str, status: str, failure_reason: str | None, at: str) -> bool:
        """Move a pending refund to its final status; False when it was already settled."""
        with self._db:
            cur = self._db.execute(
                "UPDATE refunds SET status = ?, failure_reason = ?, settled_at = ? WHERE id = ? AND status = 'pending'",
                (status, failure_reason, at, refund_id),
            )
        return cur.rowcount == 1

    def refunds_settled_between(self, start: str, end: str) -> list[Refund]:
        rows = self._db.execute(
            "SELECT * FROM refunds WHERE status = 'succeeded' AND settled_at >= ? "
            "AND settled_at < ? ORDER BY settled_at, id",
            (start, end),
        )
        return [Refund(**dict(r)) for r in rows]

    # carrier -----------------------------------------------------------------------------------

    def add_shipment(self, shipment: Shipment, idempotency_key: str | None, fingerprint: str) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO shipments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    shipment.tracking_number,
                    shipment.reference,
                    shipment.service,
                    shipment.status,
                    json.dumps(shipment.from_address, ensure_ascii=False),
                    json.dumps(shipment.to_address, ensure_ascii=False),
                    shipment.weight_g,
                    shipment.created_at,
                ),
            )
            if idempotency_key is not None:
                self.remember("labels", idempotency_key, fingerprint, shipment.tracking_number)

    def shipment(self, tracking_number: str) -> Shipment | None:
        row = self._db.execute("SELECT * FROM shipments WHERE tracking_number = ?", (tracking_number,)).fetchone()
        if row is None:
            return None
        data = dict(row)
        data["from_address"] = json.loads(data["from_address"])
        data["to_address"] = json.loads(data["to_address"])
        return Shipment(**data)

    def set_shipment_status(self, tracking_number: str, status: str) -> None:
        with self._db:
            self._db.execute("UPDATE shipments SET status = ? WHERE tracking_number = ?", (status, tracking_number))

    def add_events(self, tracking_number: str, events: list[TrackingEvent]) -> None:
        """Append tracking events and move the shipment to the last one's status, in one transaction."""
        with self._db:
            for e in events:
                self._db.execute(
                    "INSERT INTO shipment_events VALUES (?, ?, ?, ?, ?, ?)",
                    (e.event_id, e.tracking_number, e.seq, e.status, e.occurred_at, e.location),
                )
            if events:
                self._db.execute(
                    "UPDATE shipments SET status = ? WHERE tracking_number = ?", (events[-1].status, tracking_number)
                )

    def events(self, tracking_number: str) -> list[TrackingEvent]:
        rows = self._db.execute(
            "SELECT * FROM shipment_events WHERE tracking_number = ? ORDER BY seq", (tracking_number,)
        )
        return [TrackingEvent(**dict(r)) for r in rows]
