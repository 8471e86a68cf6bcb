"""The maths of the supervisors' insights: percentiles of durations, return rates, and whether each review or
inspection SLA was met or breached, read from a case's timeline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

BREACH_SUFFIX = "_sla_breached"
START_SUFFIX = "_sla_started"
# The events that end the wait an SLA measures (a cancellation ends every wait).
SLA_ENDS = {
    "review": frozenset({"approved", "rejected", "cancelled"}),
    "inspection": frozenset({"inspected", "cancelled", "completed"}),
}


def percentile(values: Sequence[float], share: int) -> float | None:
    """The nearest-rank percentile (`share` in 1..100) of `values`: always one of the values, None when empty."""
    if not 1 <= share <= 100:
        raise ValueError("share is a percentage from 1 to 100")
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-share * len(ordered) // 100)  # ceil(share/100 * n), at least 1
    return ordered[max(rank, 1) - 1]


def rate(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` as a fraction rounded to 4 places (0.1234 = 12.34 %); None when nothing was sold."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class SlaTally:
    met: int = 0
    breached: int = 0
    running: int = 0  # started, not ended yet, not breached yet

    @property
    def compliance(self) -> Decimal | None:
        """Share of decided SLAs that were met (running ones are not decided yet)."""
        return rate(self.met, self.met + self.breached)


def sla_outcomes(events: Iterable[tuple[str, str | None]]) -> Counter[tuple[str, str]]:
    """One case's timeline, in order, as (event type, escalation or None) → counts of (sla, met|breached|running).
    An SLA is breached when its breach escalation comes before the wait ends, met when the wait ends first."""
    outcome: Counter[tuple[str, str]] = Counter()
    open_: dict[str, bool] = {}  # sla kind → breached so far
    for type_, escalation in events:
        if type_.endswith(START_SUFFIX):
            kind = type_.removesuffix(START_SUFFIX)
            if kind in open_:  # restarted before it ended (e.g. a second review): the first one counts as it stood
                outcome[(kind, "breached" if open_[kind] else "met")] += 1
            open_[kind] = False
        elif type_ == "escalated" and escalation and escalation.endswith(BREACH_SUFFIX):
            kind = escalation.removesuffix(BREACH_SUFFIX)
            if kind in open_ and not open_[kind]:
                open_[kind] = True
        for kind in [k for k in open_ if type_ in SLA_ENDS.get(k, ())]:
            outcome[(kind, "breached" if open_.pop(kind) else "met")] += 1
    for kind, breached in open_.items():
        outcome[(kind, "breached" if breached else "running")] += 1
    return outcome


def tally(outcomes: Iterable[Counter[tuple[str, str]]]) -> dict[str, SlaTally]:
    """Sum the outcomes of many cases per SLA kind."""
    total: Counter[tuple[str, str]] = Counter()
    for one in outcomes:
        total.update(one)
    kinds = sorted({kind for kind, _ in total})
    return {k: SlaTally(total[(k, "met")], total[(k, "breached")], total[(k, "running")]) for k in kinds}


@dataclass(frozen=True, slots=True)
class DurationSummary:
    count: int
    median_h: float | None
    p90_h: float | None


def summarise(hours: Sequence[float]) -> DurationSummary:
    """How many, the median and the 90th percentile of durations in hours."""
    return DurationSummary(len(hours), percentile(hours, 50), percentile(hours, 90))


BUCKETS_H = ((24, "< 1 d"), (72, "1–3 d"), (168, "3–7 d"), (336, "7–14 d"), (None, "≥ 14 d"))


def buckets(hours: Iterable[float]) -> list[int]:
    """Durations counted into the BUCKETS_H bands (a histogram the page draws)."""
    counts = [0] * len(BUCKETS_H)
    for h in hours:
        for i, (limit, _) in enumerate(BUCKETS_H):
            if limit is None or h < limit:
                counts[i] += 1
                break
    return counts


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cases the insights cover: opened in the period, narrowed by any filter that is set."""

    start: datetime
    end: datetime  # exclusive
    market: str | None = None
    channel: str | None = None
    category: str | None = None  # cases with an item of this category; item figures only count those items
    carrier: str | None = None  # cases whose return parcel this carrier took


@dataclass(frozen=True, slots=True)
class RateRow:
    key: str  # a SKU or a category
    sold: int
    returned: int
    rate: Decimal | None
    top_reason: str | None


def return_rates(sold: Iterable[tuple[str, int]], returned: Iterable[tuple[str, str, int]]) -> list[RateRow]:
    """Units returned ÷ units sold per key, with the reason most given; most returned first, then by key."""
    units: Counter[str] = Counter()
    for key, n in sold:
        units[key] += n
    back: Counter[str] = Counter()
    why: dict[str, Counter[str]] = {}
    for key, reason, n in returned:
        back[key] += n
        why.setdefault(key, Counter())[reason] += n
    rows = [
        RateRow(
            key,
            units[key],
            back[key],
            rate(back[key], units[key]),
            min(why[key].items(), key=lambda kv: (-kv[1], kv[0]))[0] if key in why else None,
        )
        for key in set(units) | set(back)
    ]
    return sorted(rows, key=lambda r: (-r.returned, -(r.rate or 0), r.key))


def delivered_at(events: Iterable[Mapping[str, Any]]) -> datetime | None:
    """When the carrier first reported the parcel delivered, from its stored events."""
    times = [datetime.fromisoformat(str(e["occurred_at"])) for e in events if e.get("status") == "delivered"]
    return min(times) if times else None
