"""Ageing of refunds the provider has not confirmed yet: how long they have been waiting, in buckets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Upper bounds in days (the last bucket is open): past a week a missing confirmation needs a person.
BOUNDS_DAYS = (1, 3, 7, 14)


def bucket_of(age: timedelta) -> int:
    """0 for under a day, 1 for 1-3 days, ..., len(BOUNDS_DAYS) for 14 days and more."""
    return next((i for i, bound in enumerate(BOUNDS_DAYS) if age < timedelta(days=bound)), len(BOUNDS_DAYS))


@dataclass
class Bucket:
    index: int
    count: int = 0
    amounts: dict[str, int] = field(default_factory=dict)  # per currency, minor units


def age_buckets(waiting: Iterable[tuple[str, int, datetime]], now: datetime) -> list[Bucket]:
    """(currency, amount, asked at) of each waiting refund -> every bucket, empty ones included."""
    buckets = [Bucket(i) for i in range(len(BOUNDS_DAYS) + 1)]
    for currency, amount, asked_at in waiting:
        bucket = buckets[bucket_of(max(now - asked_at, timedelta(0)))]
        bucket.count += 1
        bucket.amounts[currency] = bucket.amounts.get(currency, 0) + amount
    return buckets
