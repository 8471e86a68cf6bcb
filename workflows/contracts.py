"""Pydantic contracts between workflows and activities: ids and values only, never ORM objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class LedgerLeg(BaseModel):
    """One side of a balanced money movement (debit positive, credit negative)."""

    account: str
    amount_minor: int
    currency: str = Field(min_length=3, max_length=3)


class LedgerTxn(BaseModel):
    txn_id: str  # derived from the case and the movement, so a retried write cannot post twice
    type: str
    reference: str | None = None
    legs: list[LedgerLeg]

    def balanced(self) -> bool:
        totals: dict[str, int] = {}
        for leg in self.legs:
            totals[leg.currency] = totals.get(leg.currency, 0) + leg.amount_minor
        return all(v == 0 for v in totals.values())


class CaseEventIn(BaseModel):
    """A numbered timeline event; `status` set means the case moves to it in the same transaction."""

    case_number: str
    seq: int = Field(ge=1)
    type: str
    actor: str
    at: datetime
    status: str | None = None
    data: dict[str, Any] = {}
    ledger: list[LedgerTxn] = []


class RecordResult(BaseModel):
    applied: bool  # False: this event (or a later one) was already applied
