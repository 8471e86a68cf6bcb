"""The customs broker's books: declarations and the idempotency keys they were filed with (in memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Declaration:
    id: str
    reference: str
    body: dict[str, Any]
    status: str = "submitted"  # submitted | held | cleared | refused
    note: str | None = None
    documents: list[str] = field(default_factory=list)


@dataclass
class Broker:
    declarations: dict[str, Declaration] = field(default_factory=dict)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # idempotency key → (fingerprint, id)
