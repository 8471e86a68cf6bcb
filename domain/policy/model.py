"""The merchant's return policy as data: one rule set per market, snapshotted onto every case."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.money import Money, is_currency
from domain.orders import DEFAULT_TENDER_ORDER, Tag, TenderType
from domain.reasons import Fault

_MODEL = ConfigDict(frozen=True, extra="forbid")

# The 27 member states (ISO 3166 alpha-2; Greece is GR, not the EU's own "EL").
EU_MEMBER_STATES = frozenset(
    {
        *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT"),
        *("LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
    }
)
# The Consumer Rights Directive also binds the EEA states outside the EU, so the EU rule covers them too.
EEA_NON_EU = frozenset({"IS", "LI", "NO"})


class LawBasis(StrEnum):
    CN_NO_REASON_7D = "cn_no_reason_7d"  # Consumer Rights Protection Law art. 25
    TW_COOLING_OFF_7D = "tw_cooling_off_7d"  # Consumer Protection Act art. 19
    EU_WITHDRAWAL_14D = "eu_withdrawal_14d"  # Consumer Rights Directive 2011/83/EU
    MERCHANT = "merchant"


STATUTORY_DAYS: dict[LawBasis, int] = {
    LawBasis.CN_NO_REASON_7D: 7,
    LawBasis.TW_COOLING_OFF_7D: 7,
    LawBasis.EU_WITHDRAWAL_14D: 14,
}


class Payer(StrEnum):
    CUSTOMER = "customer"
    MERCHANT = "merchant"


def _per_currency(value: dict[str, int]) -> dict[str, int]:
    value = {code.strip().upper(): minor for code, minor in value.items()}
    for code, minor in value.items():
        if not is_currency(code):
            raise ValueError(f"'{code}' is not an ISO-4217 currency code")
        if minor < 0:
            raise ValueError(f"the amount for {code} cannot be negative")
    return dict(sorted(value.items()))


# Minor units keyed by currency; a currency without an entry means "not configured" for that rule.
MinorByCurrency = Annotated[dict[str, int], AfterValidator(_per_currency)]
BasisPoints = Annotated[int, Field(ge=0, le=10_000)]


def amount_for(table: dict[str, int], currency: str) -> Money | None:
    """The configured amount for `currency`, or None when the merchant set none."""
    return Money(table[currency], currency) if currency in table else None


def window_end(start: datetime, days: int) -> datetime:
    """End of the last day of a window of `days` days after `start` (the start day itself not counted),
    in the start's own UTC offset, so a customer never loses the last evening to a time zone."""
    start = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
    return datetime.combine(start.date() + timedelta(days=days + 1), time(0), tzinfo=start.tzinfo)


class PostagePayers(BaseModel):
    """Who pays return postage, by fault."""

    model_config = _MODEL
    customer: Payer = Payer.CUSTOMER
    merchant: Payer = Payer.MERCHANT
    carrier: Payer = Payer.MERCHANT  # the merchant recovers it from the carrier or the insurer
    unknown: Payer = Payer.CUSTOMER

    def payer(self, f: Fault) -> Payer:
        return Payer(getattr(self, f.value))


class ReviewTriggers(BaseModel):
    """Conditions that send a case to an agent instead of auto-approval."""

    model_config = _MODEL
    high_value: MinorByCurrency = {}  # items worth at least this go to review
    return_rate_bp: BasisPoints | None = 5_000  # share of orders with a return, at or above which we review
    min_orders_for_rate: int = Field(default=3, ge=1)  # one return out of one order is not a pattern
    empty_box_findings: int | None = Field(default=1, ge=1)  # earlier "empty box" inspections before review
    unknown_fault: bool = True  # reason `other`: someone must decide who is at fault


class Sla(BaseModel):
    """Durations of the case timers; the workflow turns them into deadlines."""

    model_config = _MODEL
    ship_by_days: int = Field(default=14, ge=1)
    ship_by_reminder_days: int = Field(default=3, ge=0)  # reminder this many days before the ship-by deadline
    review_sla_hours: int = Field(default=48, ge=1)
    inspection_sla_hours: int = Field(default=72, ge=1)
    refund_deadline_days: int = Field(default=14, ge=1)
    refund_deadline_from: Literal["receipt", "request"] = "receipt"  # CN: goods received; EU: withdrawal notice
    claim_filing_days: int = Field(default=30, ge=1)
    appeal_window_days: int = Field(default=14, ge=0)  # a rejected case stays open this long for an override
    complaint_response_hours: int = Field(default=48, ge=1)  # a customer's complaint is answered within this

    @model_validator(mode="after")
    def _reminder_first(self) -> Sla:
        if self.ship_by_reminder_days >= self.ship_by_days:
            raise ValueError("the ship-by reminder must come before the ship-by deadline")
        return self

    def ship_by(self, approved_at: datetime) -> datetime:
        return approved_at + timedelta(days=self.ship_by_days)

    def ship_by_reminder(self, approved_at: datetime) -> datetime:
        return self.ship_by(approved_at) - timedelta(days=self.ship_by_reminder_days)

    def review_due(self, requested_at: datetime) -> datetime:
        return requested_at + timedelta(hours=self.review_sla_hours)

    def inspection_due(self, received_at: datetime) -> datetime:
        return received_at + timedelta(hours=self.inspection_sla_hours)

    def refund_due(self, *, requested_at: datetime, received_at: datetime | None) -> datetime | None:
        """Legal/merchant refund deadline; None while it runs from receipt and nothing arrived yet."""
        start = requested_at if self.refund_deadline_from == "request" else received_at
        return None if start is None else start + timedelta(days=self.refund_deadline_days)

    def claim_due(self, incident_at: datetime) -> datetime:
        return incident_at + timedelta(days=self.claim_filing_days)


RecoveringDisposition = Literal["restock", "open_box", "refurbish", "return_to_vendor", "liquidate"]


class Grading(BaseModel):
    """Refund shares for inspection grades the law leaves to the merchant."""

    model_config = _MODEL
    grade_c_refund_bp: BasisPoints = 7_000  # used or damaged by the customer (EU: minus diminished value)
    grade_d_refund_bp: BasisPoints | None = None  # None: an agent decides case by case
    grade_d_disposition: Literal["recycle", "destroy"] = "recycle"
    # What returned goods recover as stock, per disposition: this share of the price paid for them (net of
    # discount, before tax) is booked back to inventory at inspection. Dispositions not listed recover nothing
    # (recycled, destroyed, held as evidence, sent back to the vendor).
    recovery_bp: dict[RecoveringDisposition, BasisPoints] = {
        "restock": 10_000,
        "open_box": 8_000,
        "refurbish": 5_000,
        "liquidate": 2_000,
    }


class CustomsRules(BaseModel):
    """Cross-border returns: who pays import duty and tax, and what happens to goods customs refuses."""

    model_config = _MODEL
    duties_payer: Literal["merchant", "customer"] = "merchant"
    refused: Literal["return_to_sender", "abandon"] = "return_to_sender"  # abandon: refund anyway, goods lost


class InsuranceRules(BaseModel):
    """Insurance the customer bought at checkout: what shipping-fee cover (运费险) pays when the return postage is
    not known (the filing deadline is `Sla.claim_filing_days`)."""

    model_config = _MODEL
    shipping_fee_cover: MinorByCurrency = {
        "CNY": 1_200,
        "EUR": 600,
        "GBP": 500,
        "HKD": 3_000,
        "JPY": 800,
        "TWD": 6_000,
        "USD": 800,
    }


class GoodwillLimits(BaseModel):
    """The most goodwill compensation each role may grant on one action; above it, someone senior must.
    Admins are limited only by what the order captured; a currency without an entry allows nothing."""

    model_config = _MODEL
    agent: MinorByCurrency = {"CNY": 20_000, "EUR": 2_500, "GBP": 2_000, "JPY": 3_000, "TWD": 100_000, "USD": 2_500}
    supervisor: MinorByCurrency = {
        "CNY": 200_000,
        "EUR": 25_000,
        "GBP": 20_000,
        "JPY": 30_000,
        "TWD": 1_000_000,
        "USD": 25_000,
    }

    def limit(self, role: str, currency: str) -> Money | None:
        """The role's limit in `currency`; None means no role limit (admin)."""
        if role == "admin":
            return None
        table = self.supervisor if role == "supervisor" else self.agent
        return Money(table.get(currency, 0), currency)


class ExchangeRules(BaseModel):
    """Exchanges and replacements: who may get the new item before the old one is back (an "instant exchange",
    held by a payment authorisation), and how long an out-of-stock exchange may wait."""

    model_config = _MODEL
    other_products: bool = True  # False: only another variant (size, colour) of the same product
    instant_min_orders: int | None = Field(default=3, ge=1)  # None: no instant exchanges in this market
    instant_max_return_rate_bp: BasisPoints = 3_000  # a customer returning more than this is not "trusted"
    choice_days: int = Field(default=7, ge=1)  # out of stock: the customer's time to choose; then a refund
    out_of_stock_wait_days: int = Field(default=14, ge=1)  # "wait" gives up (and refunds) after this long
    restock_check_hours: int = Field(default=24, ge=1)  # how often a waiting exchange looks for stock again


class RepairRules(BaseModel):
    """Repairs at the repair centre: what an unrepairable item becomes, how long a quote stays open."""

    model_config = _MODEL
    not_repairable: Literal["replacement", "refund"] = "replacement"
    quote_days: int = Field(default=7, ge=1)  # an out-of-warranty quote not answered by then is declined


class ThreeGuarantees(BaseModel):
    """三包 remedies for a performance fault, in days after delivery."""

    model_config = _MODEL
    any_remedy_days: int = Field(default=7, ge=0)  # return, exchange or repair, as the customer chooses
    exchange_or_repair_days: int = Field(default=15, ge=0)
    repair_days: int = Field(default=365, ge=0)  # the warranty period


class MarketPolicy(BaseModel):
    """The rules of one market; `country` and `policy_version` are set when snapshotted onto a case."""

    model_config = _MODEL
    law_basis: LawBasis = LawBasis.MERCHANT
    window_days: int = Field(default=30, ge=0)
    window_start: Literal["delivery"] = "delivery"
    category_window_days: dict[str, int] = {}  # longer or shorter windows for some categories
    excluded_tags: tuple[Tag, ...] = ()  # not returnable for customer-fault reasons
    restocking_fee_bp: BasisPoints = 0  # customer fault only, never within a statutory period
    restocking_fee_on: Literal["opened", "all"] = "opened"  # "opened": only grade B and worse
    return_postage: PostagePayers = PostagePayers()
    return_label_fee: MinorByCurrency = {}  # deducted when the customer pays and used the merchant's label
    returnless_threshold: MinorByCurrency = {}  # keep_it allowed when the items are worth at most this
    review: ReviewTriggers = ReviewTriggers()
    auto_approve: bool = True
    sla: Sla = Sla()
    grading: Grading = Grading()
    three_guarantees: ThreeGuarantees | None = None
    goodwill: GoodwillLimits = GoodwillLimits()
    customs: CustomsRules = CustomsRules()
    insurance: InsuranceRules = InsuranceRules()
    exchange: ExchangeRules = ExchangeRules()
    repair: RepairRules = RepairRules()
    tender_refund_order: tuple[TenderType, ...] = DEFAULT_TENDER_ORDER
    country: str | None = None
    policy_version: str | None = None

    @field_validator("excluded_tags")
    @classmethod
    def _tags(cls, value: tuple[Tag, ...]) -> tuple[Tag, ...]:
        return tuple(sorted(set(value)))  # stable order: the snapshot must serialise identically every time

    @model_validator(mode="after")
    def _lawful(self) -> MarketPolicy:
        legal = self.statutory_days
        if legal is not None:
            short = [d for d in [self.window_days, *self.category_window_days.values()] if d < legal]
            if short:
                raise ValueError(f"{self.law_basis} requires a window of at least {legal} days")
        return self

    @property
    def statutory_days(self) -> int | None:
        return STATUTORY_DAYS.get(self.law_basis)

    def window_days_for(self, category: str) -> int:
        return self.category_window_days.get(category, self.window_days)

    def statutory_until(self, delivered_at: datetime) -> datetime | None:
        """End of the statutory no-reason / cooling-off / withdrawal period, if the market has one."""
        days = self.statutory_days
        return None if days is None else window_end(delivered_at, days)


class MerchantPolicy(BaseModel):
    """The whole policy document: a default, an EU-wide rule, and per-country rules."""

    model_config = _MODEL
    version: str = Field(min_length=1)
    default: MarketPolicy
    eu: MarketPolicy | None = None  # every EU/EEA state without its own entry
    markets: dict[str, MarketPolicy] = {}
    # Emails or "@domain"; kept out of case snapshots because they are other people's data.
    blocklist: tuple[str, ...] = ()

    @field_validator("markets")
    @classmethod
    def _countries(cls, value: dict[str, MarketPolicy]) -> dict[str, MarketPolicy]:
        bad = [k for k in value if len(k) != 2 or not k.isalpha() or not k.isascii()]
        if bad:
            raise ValueError(f"market keys must be ISO 3166 alpha-2 country codes: {', '.join(bad)}")
        return {k.upper(): v for k, v in sorted(value.items())}

    @field_validator("blocklist")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({e.strip().lower() for e in value if e.strip()}))

    def for_market(self, country: str) -> MarketPolicy:
        """The rules for a ship-to country, stamped with the country and version, to snapshot onto a case."""
        code = country.strip().upper()
        rule = self.markets.get(code)
        if rule is None and self.eu is not None and code in EU_MEMBER_STATES | EEA_NON_EU:
            rule = self.eu
        return (rule or self.default).model_copy(update={"country": code, "policy_version": self.version})

    def is_blocklisted(self, email: str) -> bool:
        """True when the email, or its domain entered as "@domain", is on the blocklist."""
        email = email.strip().lower()
        domain = "@" + email.rpartition("@")[2]
        return email in self.blocklist or domain in self.blocklist
