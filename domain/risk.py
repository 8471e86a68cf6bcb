"""Risk flags: the review triggers about the customer or the money, kept on the case so queues can filter on them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntFlag

from domain.codes import ReviewCode


class RiskFlag(IntFlag):
    """Bits of `return_cases.risk_flags`; the values are stored, so they never change (migration 0014 uses them)."""

    HIGH_VALUE = 1
    HIGH_RETURN_RATE = 2
    BLOCKLISTED = 4
    EMPTY_BOX_HISTORY = 8


# Only what says something about the customer or the amount: "reason other" or "auto-approval off" is no risk.
# The keys are also the queue's `risk=` values and the badges' order.
BY_TRIGGER: dict[str, RiskFlag] = {
    ReviewCode.HIGH_VALUE.value: RiskFlag.HIGH_VALUE,
    ReviewCode.HIGH_RETURN_RATE.value: RiskFlag.HIGH_RETURN_RATE,
    ReviewCode.BLOCKLISTED.value: RiskFlag.BLOCKLISTED,
    ReviewCode.EMPTY_BOX_HISTORY.value: RiskFlag.EMPTY_BOX_HISTORY,
}
ANY: int = sum(BY_TRIGGER.values())  # `risk=any`: one of them at least


def risk_flags(review_codes: Iterable[str]) -> int:
    """The case's flags from the review triggers its eligibility answer fired."""
    flags = RiskFlag(0)
    for code in review_codes:
        flags |= BY_TRIGGER.get(code, RiskFlag(0))
    return int(flags)


def flag_names(flags: int) -> list[str]:
    """The trigger codes behind `flags`, in a fixed order (for badges)."""
    return [name for name, flag in BY_TRIGGER.items() if flags & flag]
