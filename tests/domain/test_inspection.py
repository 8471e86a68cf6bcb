"""Inspection grades turned into disposition, refund share, fees, agent holds and transit claims."""

from __future__ import annotations

import pytest

from domain.inspection import Disposition, Grade, inspect
from domain.reasons import Reason
from tests.domain.build import market

US = market("US", restocking_fee_bp=1_500)
US_ALL = market("US", restocking_fee_bp=1_500, restocking_fee_on="all")
US_D = market("US", grading={"grade_c_refund_bp": 6_000, "grade_d_refund_bp": 2_000, "grade_d_disposition": "destroy"})
MIND, DEFECT, TRANSIT = Reason.CHANGED_MIND, Reason.DEFECTIVE, Reason.DAMAGED_IN_TRANSIT

# grade, reason, market, statutory, transit damage -> disposition, share, fee, needs agent, claim
TABLE = [
    ("A", MIND, US, False, False, Disposition.RESTOCK, 10_000, False, False, False),
    ("A", MIND, US_ALL, False, False, Disposition.RESTOCK, 10_000, True, False, False),
    ("A", MIND, US_ALL, True, False, Disposition.RESTOCK, 10_000, False, False, False),
    ("B", MIND, US, False, False, Disposition.OPEN_BOX, 10_000, True, False, False),
    ("B", MIND, US, True, False, Disposition.OPEN_BOX, 10_000, False, False, False),  # CN no-reason / EU
    ("B", MIND, market("US"), False, False, Disposition.OPEN_BOX, 10_000, False, False, False),  # no fee set
    ("B", Reason.OTHER, US, False, False, Disposition.OPEN_BOX, 10_000, False, False, False),  # fault unknown
    ("C", MIND, US, False, False, Disposition.REFURBISH, 7_000, False, False, False),
    ("C", MIND, US_D, True, False, Disposition.REFURBISH, 6_000, False, False, False),  # EU diminished value
    ("C", MIND, US, False, True, Disposition.REFURBISH, 10_000, False, False, True),  # carrier damaged it
    ("C", DEFECT, US, False, False, Disposition.RETURN_TO_VENDOR, 10_000, False, False, False),
    ("B", DEFECT, US, False, False, Disposition.RETURN_TO_VENDOR, 10_000, False, False, False),
    ("D", MIND, US, False, False, Disposition.RECYCLE, 0, False, True, False),
    ("D", MIND, US_D, False, False, Disposition.DESTROY, 2_000, False, False, False),
    ("D", TRANSIT, US, False, False, Disposition.RECYCLE, 10_000, False, False, True),
    ("A", TRANSIT, US, False, False, Disposition.RESTOCK, 10_000, False, False, False),  # no damage found
    ("X", MIND, US, False, False, Disposition.HOLD, 0, False, True, False),
    ("X", DEFECT, US, False, False, Disposition.HOLD, 0, False, True, False),
]


@pytest.mark.parametrize(
    ("grade", "reason", "m", "statutory", "transit", "disposition", "share", "fee", "agent", "claim"), TABLE
)
def test_grade_table(grade, reason, m, statutory, transit, disposition, share, fee, agent, claim) -> None:
    out = inspect(grade, reason=reason, market=m, statutory=statutory, transit_damage=transit)
    assert (out.disposition, out.share_bp, out.restocking_fee, out.needs_agent, out.transit_claim) == (
        disposition,
        share,
        fee,
        agent,
        claim,
    )
    assert out.fraud_review is (out.grade is Grade.X)


def test_unknown_grade_is_refused() -> None:
    with pytest.raises(ValueError):
        inspect("E", reason=MIND, market=US, statutory=False)
