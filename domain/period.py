"""Reporting periods: half-open UTC intervals, where a bare date means its whole UTC day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.errors import InvalidInput


def parse_bound(text: str, *, end: bool, field: str) -> datetime:
    """'2026-03-01' covers that whole day (so an end date is inclusive); a datetime is exact (an end is exclusive)."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end else day, time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{field} '{text[:40]}' is not an ISO-8601 date or datetime", fields={field: "not a date"}
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{field} '{text}' needs a UTC offset, e.g. +00:00", fields={field: "missing offset"})
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime  # inclusive
    end: datetime  # exclusive

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput("the period must end after it starts", fields={"to": "before from"})

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Period | None:
        """Both bounds or neither: a reconciliation period open at one end would flag every older refund."""
        if start is None and end is None:
            return None
        if start is None or end is None:
            missing = "from" if start is None else "to"
            raise InvalidInput("give both from and to, or neither", fields={missing: "required with the other bound"})
        return cls(parse_bound(start, end=False, field="from"), parse_bound(end, end=True, field="to"))

    @classmethod
    def covering(cls, first: datetime, last: datetime) -> Period:
        """The whole UTC days from `first` to `last`: reports are cut per day, our refunds may sit at any hour."""
        start = datetime.combine(first.astimezone(UTC).date(), time(), UTC)
        return cls(start, datetime.combine(last.astimezone(UTC).date() + timedelta(days=1), time(), UTC))

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end
