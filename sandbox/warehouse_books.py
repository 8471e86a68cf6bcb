"""The warehouse's books in the sandbox's SQLite file: stock per SKU and reservations against it."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS stock (
    sku TEXT PRIMARY KEY, on_hand INTEGER NOT NULL, shippable INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS reservations (
    id TEXT PRIMARY KEY, reference TEXT NOT NULL, status TEXT NOT NULL,
    tracking_number TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reservation_lines (
    reservation_id TEXT NOT NULL REFERENCES reservations(id), line INTEGER NOT NULL,
    sku TEXT NOT NULL, quantity INTEGER NOT NULL, PRIMARY KEY (reservation_id, line));
CREATE INDEX IF NOT EXISTS reservation_lines_sku ON reservation_lines(sku);
"""


@dataclass(frozen=True, slots=True)
class Stock:
    sku: str
    on_hand: int
    reserved: int  # held by reservations still `reserved`
    shippable: bool

    @property
    def available(self) -> int:
        return max(self.on_hand - self.reserved, 0)


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    reference: str
    status: str  # reserved | released | shipped
    items: tuple[tuple[str, int], ...]  # (sku, quantity) in the order asked for
    tracking_number: str | None
    created_at: str


class WarehouseBooks:
    """Reads and writes on the store's connection; each write is one transaction."""

    def __init__(self, store: Store, default_stock: int) -> None:
        self._store = store
        self._db = store.db
        self._default = default_stock
        self._db.executescript(SCHEMA)

    def stock(self, sku: str) -> Stock:
        """An SKU never set has the default quantity on hand, shippable."""
        row = self._db.execute("SELECT on_hand, shippable FROM stock WHERE sku = ?", (sku,)).fetchone()
        reserved = self._db.execute(
            "SELECT COALESCE(SUM(l.quantity), 0) AS n FROM reservation_lines l "
            "JOIN reservations r ON r.id = l.reservation_id WHERE l.sku = ? AND r.status = 'reserved'",
            (sku,),
        ).fetchone()["n"]
        if row is None:
            return Stock(sku, self._default, int(reserved), True)
        return Stock(sku, int(row["on_hand"]), int(reserved), bool(row["shippable"]))

    def set_stock(self, sku: str, on_hand: int, shippable: bool) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO stock VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE "
                "SET on_hand = excluded.on_hand, shippable = excluded.shippable",
                (sku, on_hand, int(shippable)),
            )

    def add(self, reservation: Reservation, idempotency_key: str, fingerprint: str) -> None:
        """Insert the reservation, its lines and its key atomically."""
        with self._db:
            self._db.execute(
                "INSERT INTO reservations VALUES (?, ?, ?, ?, ?)",
                (
                    reservation.id,
                    reservation.reference,
                    reservation.status,
                    reservation.tracking_number,
                    reservation.created_at,
                ),
            )
            self._db.executemany(
                "INSERT INTO reservation_lines VALUES (?, ?, ?, ?)",
                [(reservation.id, n, sku, qty) for n, (sku, qty) in enumerate(reservation.items)],
            )
            self._store.remember("reservations", idempotency_key, fingerprint, reservation.id)

    def get(self, reservation_id: str) -> Reservation | None:
        row = self._db.execute("SELECT * FROM reservations WHERE id = ?", (reservation_id,)).fetchone()
        if row is None:
            return None
        lines = self._db.execute(
            "SELECT sku, quantity FROM reservation_lines WHERE reservation_id = ? ORDER BY line", (reservation_id,)
        )
        items = tuple((str(line["sku"]), int(line["quantity"])) for line in lines)
        return Reservation(row["id"], row["reference"], row["status"], items, row["tracking_number"], row["created_at"])

    def release(self, reservation_id: str) -> None:
        with self._db:
            self._db.execute(
                "UPDATE reservations SET status = 'released' WHERE id = ? AND status = 'reserved'", (reservation_id,)
            )

    def ship(self, reservation: Reservation, tracking_number: str) -> None:
        """Mark it shipped and take its items off the shelf, in one transaction."""
        with self._db:
            for sku, quantity in reservation.items:
                # Stock set lower after reserving cannot go below nothing on the shelf.
                self._db.execute(
                    "INSERT INTO stock VALUES (?, MAX(? - ?, 0), 1) ON CONFLICT (sku) DO UPDATE "
                    "SET on_hand = MAX(on_hand - ?, 0)",
                    (sku, self._default, quantity, quantity),
                )
            self._db.execute(
                "UPDATE reservations SET status = 'shipped', tracking_number = ? WHERE id = ?",
                (tracking_number, reservation.id),
            )
