"""The repair centre's books in the sandbox's SQLite file: repair orders and where each one stands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sandbox.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS repair_orders (
    id TEXT PRIMARY KEY, reference TEXT NOT NULL, case_number TEXT NOT NULL, sku TEXT NOT NULL,
    fault TEXT NOT NULL, return_address TEXT NOT NULL, status TEXT NOT NULL,
    quote_amount INTEGER, currency TEXT, quote_accepted INTEGER, note TEXT, tracking_number TEXT,
    created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS repair_orders_reference ON repair_orders(reference);
"""


@dataclass(frozen=True, slots=True)
class RepairOrder:
    id: str
    reference: str
    case_number: str
    sku: str
    fault: str
    return_address: dict[str, Any]
    created_at: str
    # received | quote_pending | repairing | repaired | not_repairable | returned_unrepaired
    status: str = "received"
    quote_amount: int | None = None
    currency: str | None = None
    quote_accepted: bool | None = None
    note: str | None = None
    tracking_number: str | None = None  # the parcel back to the customer

    def progress(self) -> tuple[Any, ...]:
        """What moves as the order goes through the centre, in the table's column order."""
        return (self.status, self.quote_amount, self.currency, self.quote_accepted, self.note, self.tracking_number)


class RepairBooks:
    """Reads and writes on the store's connection; each write is one transaction."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.db
        self._db.executescript(SCHEMA)

    def add(self, order: RepairOrder, idempotency_key: str, fingerprint: str) -> None:
        """Insert the order and its key atomically."""
        with self._db:
            self._db.execute(
                "INSERT INTO repair_orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    order.id,
                    order.reference,
                    order.case_number,
                    order.sku,
                    order.fault,
                    json.dumps(order.return_address, ensure_ascii=False),
                    *order.progress(),
                    order.created_at,
                ),
            )
            self._store.remember("repairs", idempotency_key, fingerprint, order.id)

    def save(self, order: RepairOrder, *, key: tuple[str, str, str] | None = None) -> None:
        """Write where the order stands now, with the (scope, key, fingerprint) of the call that moved it."""
        with self._db:
            self._db.execute(
                "UPDATE repair_orders SET status = ?, quote_amount = ?, currency = ?, quote_accepted = ?, "
                "note = ?, tracking_number = ? WHERE id = ?",
                (*order.progress(), order.id),
            )
            if key is not None:
                self._store.remember(*key, order.id)

    def get(self, order_id: str) -> RepairOrder | None:
        row = self._db.execute("SELECT * FROM repair_orders WHERE id = ?", (order_id,)).fetchone()
        return _order(row) if row else None

    def find(self, *, reference: str | None = None, on_the_bench: bool = False) -> list[RepairOrder]:
        sql, args = "SELECT * FROM repair_orders WHERE 1 = 1", []
        if reference is not None:
            sql, args = sql + " AND reference = ?", [reference]
        if on_the_bench:
            sql += " AND status IN ('received', 'repairing')"  # the centre decides these by itself
        return [_order(r) for r in self._db.execute(sql + " ORDER BY created_at, id", args)]


def _order(row: Any) -> RepairOrder:
    data = dict(row)
    data["return_address"] = json.loads(data["return_address"])
    data["quote_accepted"] = None if data["quote_accepted"] is None else bool(data["quote_accepted"])
    return RepairOrder(**data)
