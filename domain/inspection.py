"""Inspection grades: what happens to the goods and how much of the item's value is refunded."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.policy.model import MarketPolicy
from domain.reasons import Fault, Reason, fault
from domain.refunds import round_div

FULL = 10_000  # basis points


class Grade(StrEnum):
    A = "A"  # unopened / as new
    B = "B"  # opened, like new
    C = "C"  # used or damaged by the customer
    D = "D"  # unsalvageable
    X = "X"  # wrong item, empty box, not ours


class Disposition(StrEnum):
    RESTOCK = "restock"
    OPEN_BOX = "open_box"
    REFURBISH = "refurbish"
    RETURN_TO_VENDOR = "return_to_vendor"
    LIQUIDATE = "liquidate"
    RECYCLE = "recycle"
    DESTROY = "destroy"
    HOLD = "hold"  # kept aside untouched as evidence until an agent decides


class InspectionOutcome(BaseModel):
    """The warehouse verdict turned into actions; refunds.RefundItem takes share_bp and restocking_fee."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    grade: Grade
    disposition: Disposition
    share_bp: int  # of the item's refundable amount
    restocking_fee: bool
    needs_agent: bool  # the share is provisional until an agent decides
    fraud_review: bool
    transit_claim: bool  # open a transit insurance claim


def inspect(
    grade: Grade | str,
    *,
    reason: Reason | str,
    market: MarketPolicy,
    statutory: bool,
    transit_damage: bool = False,
) -> InspectionOutcome:
    """Disposition and refund share for one inspected item. `statutory`: the return was made inside the
    CN no-reason / TW cooling-off / EU withdrawal period, so no restocking fee may be charged."""
    g, why = Grade(grade), Reason(reason)
    grading = market.grading
    at_fault = fault(why)
    # Damage by the carrier, or a fault of the merchant, never costs the customer anything.
    not_customers_doing = transit_damage or at_fault in (Fault.MERCHANT, Fault.CARRIER)
    fee_allowed = at_fault is Fault.CUSTOMER and not statutory and market.restocking_fee_bp > 0
    share, fee, needs_agent = FULL, False, False
    disposition = {
        Grade.A: Disposition.RESTOCK,
        Grade.B: Disposition.OPEN_BOX,
        Grade.C: Disposition.REFURBISH,
        Grade.D: Disposition(grading.grade_d_disposition),
        Grade.X: Disposition.HOLD,
    }[g]
    if why is Reason.DEFECTIVE and g in (Grade.A, Grade.B, Grade.C):
        disposition = Disposition.RETURN_TO_VENDOR  # a faulty unit must not go back on the shelf as sound
    if g is Grade.X:
        share, needs_agent = 0, True
    elif not_customers_doing:
        pass
    elif g is Grade.A:
        fee = fee_allowed and market.restocking_fee_on == "all"
    elif g is Grade.B:
        fee = fee_allowed
    elif g is Grade.C:
        share = grading.grade_c_refund_bp
    else:
        needs_agent = grading.grade_d_refund_bp is None
        share = grading.grade_d_refund_bp or 0
    return InspectionOutcome(
        grade=g,
        disposition=disposition,
        share_bp=share,
        restocking_fee=fee,
        needs_agent=needs_agent,
        fraud_review=g is Grade.X,
        # A reported transit damage is claimed only if inspection finds the goods actually damaged.
        transit_claim=transit_damage or (why is Reason.DAMAGED_IN_TRANSIT and g in (Grade.C, Grade.D)),
    )


def recovered_value(disposition: Disposition | str, net_goods_minor: int, market: MarketPolicy) -> int:
    """What returned goods are worth back in stock: the disposition's recovery rate (policy) of the price paid
    for them, net of discount and before tax; nothing for a disposition without a rate."""
    wanted = Disposition(disposition).value
    rate = next((bp for name, bp in market.grading.recovery_bp.items() if name == wanted), 0)
    return round_div(max(net_goods_minor, 0) * rate, FULL)
