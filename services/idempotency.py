"""Idempotency-Key handling: the same key and body get the first answer again; another body is a conflict."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import IdempotencyKey
from domain.errors import Conflict, InvalidInput


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not 1 <= len(key) <= 200:
        raise InvalidInput("Idempotency-Key must be 1 to 200 characters", fields={"Idempotency-Key": "bad length"})
    return key


async def replay(session: AsyncSession, scope: str, key: str, digest: str) -> tuple[int, dict[str, Any]] | None:
    """The stored answer for this key, or None; Conflict when the key was used with a different body."""
    row = (
        await session.scalars(select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key))
    ).one_or_none()
    if row is None:
        return None
    if row.request_hash != digest:
        raise Conflict(
            "this Idempotency-Key was already used with a different request body", code="idempotency_key_reused"
        )
    return row.response_status, row.response_body


def remember(session: AsyncSession, scope: str, key: str, digest: str, status: int, body: dict[str, Any]) -> None:
    """Store the answer in the same transaction as the work, so both land or neither does."""
    session.add(IdempotencyKey(scope=scope, key=key, request_hash=digest, response_status=status, response_body=body))
