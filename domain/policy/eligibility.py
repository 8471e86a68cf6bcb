"""The eligibility answer: per item, refusals with reasons; per case, the decision, estimate and deadlines."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.codes import RefusalCode, ReviewCode
from domain.messages import render
from domain.money import Money
from domain.orders import Resolution
from domain.policy.model import LawBasis, Payer
from domain.reasons import Fault, Reason
from domain.refunds import RefundBreakdown

_MODEL = ConfigDict(frozen=True, extra="forbid")
Params = dict[str, str | int]


class Decision(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    REJECT = "reject"


class Refusal(BaseModel):
    model_config = _MODEL
    code: RefusalCode
    params: Params = {}

    def text(self, locale: str | None) -> str:
        """The reason in the customer's language."""
        return render(self.code, locale, **self.params)


class ReviewTrigger(BaseModel):
    model_config = _MODEL
    code: ReviewCode
    params: Params = {}

    def text(self, locale: str | None) -> str:
        """What the customer is told while an agent looks at the case (never which rule fired)."""
        return render(self.code, locale, **self.params)


class ItemEligibility(BaseModel):
    model_config = _MODEL
    line_id: str
    quantity: int
    reason: Reason
    fault: Fault
    eligible: bool
    refusals: tuple[Refusal, ...]
    returnable_quantity: int  # what is left of the line after earlier cases
    window_ends_at: datetime | None
    statutory: bool  # inside a no-reason / cooling-off / withdrawal period: no restocking fee
    allowed_resolutions: tuple[Resolution, ...]


class Deadlines(BaseModel):
    model_config = _MODEL
    statutory_until: datetime | None
    ship_by: datetime | None  # set when approved now; a later approval restarts it
    ship_by_reminder: datetime | None
    review_due: datetime | None
    refund_due: datetime | None  # known now only when the clock runs from the request (EU)


class Eligibility(BaseModel):
    """The answer shown before submitting and stored with the case."""

    model_config = _MODEL
    decision: Decision
    items: tuple[ItemEligibility, ...]
    refusals: tuple[Refusal, ...]  # about the request as a whole
    review: tuple[ReviewTrigger, ...]
    refund_estimate: Money  # exchange: the credit towards the new item; repair: zero
    breakdown: RefundBreakdown
    restocking_fee_if_opened: Money  # kept back if inspection finds the goods opened (grade B or worse)
    postage_payer: Payer | None  # None when nothing is shipped back
    returnless: bool
    returnless_allowed: bool
    law_basis: LawBasis
    deadlines: Deadlines

    @property
    def eligible_items(self) -> tuple[ItemEligibility, ...]:
        return tuple(i for i in self.items if i.eligible)
