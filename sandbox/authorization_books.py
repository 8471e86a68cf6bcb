"""The payment provider's authorisations (holds on a card on file) in the sandbox's SQLite file."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.store import Charge, Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS authorizations (
    id TEXT PRIMARY KEY, amount INTEGER NOT NULL, currency TEXT NOT NULL, reference TEXT NOT NULL,
    source_charge_id TEXT NOT NULL REFERENCES charges(id), status TEXT NOT NULL,
    charge_id TEXT REFERENCES charges(id), created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS authorizations_reference ON authorizations(reference);
"""


@dataclass(frozen=True, slots=True)
class Authorization:
    id: str
    amount: int
    currency: str
    reference: str
    source_charge_id: str
    status: str  # authorized | captured | voided
    charge_id: str | None  # the charge a capture made
    created_at: str


class AuthorizationBooks:
    """Reads and writes on the store's connection; each write is one transaction."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.db
        self._db.executescript(SCHEMA)

    def add(self, auth: Authorization, idempotency_key: str, fingerprint: str) -> None:
        """Insert the authorisation and its key atomically."""
        with self._db:
            self._db.execute(
                "INSERT INTO authorizations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    auth.id,
                    auth.amount,
                    auth.currency,
                    auth.reference,
                    auth.source_charge_id,
                    auth.status,
                    auth.charge_id,
                    auth.created_at,
                ),
            )
            self._store.remember("authorizations", idempotency_key, fingerprint, auth.id)

    def get(self, auth_id: str) -> Authorization | None:
        row = self._db.execute("SELECT * FROM authorizations WHERE id = ?", (auth_id,)).fetchone()
        return Authorization(**dict(row)) if row else None

    def by_reference(self, reference: str | None) -> list[Authorization]:
        sql, args = "SELECT * FROM authorizations", []
        if reference is not None:
            sql, args = sql + " WHERE reference = ?", [reference]
        return [Authorization(**dict(r)) for r in self._db.execute(sql + " ORDER BY created_at, id", args)]

    def capture(self, auth_id: str, charge: Charge) -> None:
        """Write the captured charge and mark the authorisation captured, in one transaction."""
        with self._db:
            self._store.insert_charge(charge)
            self._db.execute(
                "UPDATE authorizations SET status = 'captured', charge_id = ? WHERE id = ?", (charge.id, auth_id)
            )

    def void(self, auth_id: str) -> None:
        with self._db:
            self._db.execute("UPDATE authorizations SET status = 'voided' WHERE id = ?", (auth_id,))
