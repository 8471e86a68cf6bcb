"""The insurer's books: claims and the idempotency keys they were filed with (in memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Claim:
    id: str
    reference: str
    kind: str
    amount: int  # claimed, minor units
    currency: str
    evidence: dict[str, Any]
    status: str = "submitted"  # submitted | more_evidence | approved | partial | denied
    paid: int = 0
    note: str | None = None
    answers: list[str] = field(default_factory=list)  # idempotency keys of evidence supplied


@dataclass
class InsurerBooks:
    claims: dict[str, Claim] = field(default_factory=dict)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # idempotency key → (fingerprint, id)
