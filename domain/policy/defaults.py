"""The policy a new merchant starts from: the statutory minimum per market plus common merchant rules."""

from __future__ import annotations

from domain.orders import Tag
from domain.policy.model import (
    LawBasis,
    MarketPolicy,
    MerchantPolicy,
    Payer,
    PostagePayers,
    ReviewTriggers,
    Sla,
    ThreeGuarantees,
)

_NOT_RETURNABLE = (Tag.PERISHABLE, Tag.CUSTOMIZED, Tag.DIGITAL, Tag.PERIODICAL, Tag.HYGIENE, Tag.GIFT_CARD)


def default_policy(version: str = "default-1") -> MerchantPolicy:
    """CN 7-day no-reason, TW 7-day cooling-off, EU 14-day withdrawal, 30 days elsewhere."""
    china = MarketPolicy(
        law_basis=LawBasis.CN_NO_REASON_7D,
        window_days=7,
        # The law lets the customer confirm at purchase that an item is not returnable: that is final_sale.
        excluded_tags=(*_NOT_RETURNABLE, Tag.FINAL_SALE),
        returnless_threshold={"CNY": 30_00},
        review=ReviewTriggers(high_value={"CNY": 5_000_00}),
        sla=Sla(refund_deadline_days=7, refund_deadline_from="receipt"),
        three_guarantees=ThreeGuarantees(),
    )
    taiwan = MarketPolicy(
        law_basis=LawBasis.TW_COOLING_OFF_7D,
        window_days=7,
        # Cooling-off returns cost the consumer nothing (art. 19), and "final sale" cannot waive the right.
        excluded_tags=_NOT_RETURNABLE,
        return_postage=PostagePayers(customer=Payer.MERCHANT, unknown=Payer.MERCHANT),
        returnless_threshold={"TWD": 150_00},
        review=ReviewTriggers(high_value={"TWD": 20_000_00}),
        sla=Sla(refund_deadline_days=15, refund_deadline_from="receipt"),
    )
    europe = MarketPolicy(
        law_basis=LawBasis.EU_WITHDRAWAL_14D,
        window_days=14,
        # A "final sale" label does not remove the right of withdrawal, so it is not excluded here.
        excluded_tags=_NOT_RETURNABLE,
        returnless_threshold={"EUR": 5_00},
        review=ReviewTriggers(high_value={"EUR": 1_000_00}),
        sla=Sla(refund_deadline_days=14, refund_deadline_from="request"),
    )
    elsewhere = MarketPolicy(
        law_basis=LawBasis.MERCHANT,
        window_days=30,
        excluded_tags=(*_NOT_RETURNABLE, Tag.FINAL_SALE),
        returnless_threshold={"USD": 10_00, "JPY": 1_000, "KWD": 3_000},
        review=ReviewTriggers(high_value={"USD": 1_000_00, "JPY": 150_000, "KWD": 300_000}),
        sla=Sla(refund_deadline_days=14, refund_deadline_from="receipt"),
    )
    return MerchantPolicy(
        version=version,
        default=elsewhere,
        eu=europe,
        markets={"CN": china, "TW": taiwan},
    )
