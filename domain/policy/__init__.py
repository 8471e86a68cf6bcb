"""Return policy: the merchant's rules per market and the eligibility decision made from them."""

from domain.policy.defaults import default_policy
from domain.policy.eligibility import (
    Deadlines,
    Decision,
    Eligibility,
    ItemEligibility,
    Refusal,
    ReviewTrigger,
)
from domain.policy.evaluate import evaluate
from domain.policy.model import (
    EEA_NON_EU,
    EU_MEMBER_STATES,
    STATUTORY_DAYS,
    Grading,
    LawBasis,
    MarketPolicy,
    MerchantPolicy,
    Payer,
    PostagePayers,
    ReviewTriggers,
    Sla,
    ThreeGuarantees,
    amount_for,
    window_end,
)

__all__ = [
    "EEA_NON_EU",
    "EU_MEMBER_STATES",
    "STATUTORY_DAYS",
    "Deadlines",
    "Decision",
    "Eligibility",
    "Grading",
    "ItemEligibility",
    "LawBasis",
    "MarketPolicy",
    "MerchantPolicy",
    "Payer",
    "PostagePayers",
    "Refusal",
    "ReviewTrigger",
    "ReviewTriggers",
    "Sla",
    "ThreeGuarantees",
    "amount_for",
    "default_policy",
    "evaluate",
    "window_end",
]
