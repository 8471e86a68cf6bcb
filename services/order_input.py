"""The order contract (API.md): what a storefront or CSV import sends, validated with human messages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.money import is_currency

TAGS = (
    "perishable",
    "customized",
    "digital",
    "periodical",
    "hygiene",
    "final_sale",
    "gift_card",
    "three_guarantees",
)
LOCALES = {
    "en": "en",
    "zh-hant": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-hans": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh": "zh-Hans",
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(value: str) -> str:
    """Lower-cased; refused (ValueError, shown next to the field) unless it looks like an address."""
    if not EMAIL.match(value):
        raise ValueError("is not an email address")
    return value.lower()


Email = Annotated[str, Field(max_length=254), AfterValidator(normalize_email)]
HS_CODE = re.compile(r"^\d{4}(\.?\d{2})(\.?\d{2,4})?$")


class MoneyIn(BaseModel):
    """`{"amount": <int minor units>, "currency": "CNY"}`; a bare integer means the order's currency."""

    model_config = ConfigDict(extra="forbid")
    amount: int
    currency: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("an amount must be an integer number of minor units, not true/false")
        if isinstance(value, int):
            return {"amount": value}
        if isinstance(value, float | str):
            raise ValueError("an amount must be an integer number of minor units (e.g. 1999 for 19.99)")
        return value

    @field_validator("amount", mode="before")
    @classmethod
    def _integer(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("an amount must be an integer number of minor units (e.g. 1999 for 19.99)")
        return value


NonNegativeMoney = Annotated[MoneyIn, Field()]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: Email
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    locale: str = "en"

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        return LOCALES.get(value.strip().lower().replace("_", "-"), "en")


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    country: str = Field(min_length=2, max_length=2)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if pycountry.countries.get(alpha_2=value.upper()) is None:
            raise ValueError(f"'{value}' is not an ISO 3166 country code")
        return value.upper()


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: str = Field(min_length=1, max_length=64)
    sku: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=300)
    category: str = Field(min_length=1, max_length=64)
    tags: list[str] = []
    quantity: int = Field(strict=True, gt=0, le=100_000)
    unit_price: MoneyIn
    tax: MoneyIn = MoneyIn(amount=0)
    hs_code: str | None = None
    origin_country: str | None = None
    weight_g: int | None = Field(default=None, strict=True, gt=0)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(TAGS))
        if unknown:
            raise ValueError(f"unknown tag(s) {', '.join(unknown)}; allowed: {', '.join(TAGS)}")
        return sorted(set(value))

    @field_validator("hs_code")
    @classmethod
    def _hs(cls, value: str | None) -> str | None:
        if value is not None and not HS_CODE.match(value.strip()):
            raise ValueError("an HS code has 6 to 10 digits, e.g. 6109.10 or 610910")
        return value.replace(".", "").strip() if value else None

    @field_validator("origin_country")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        return AddressIn._country(value) if value else None


class TenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["card", "gift_card", "points", "wallet"]
    amount: MoneyIn
    provider_charge_id: str | None = Field(default=None, max_length=64)


class DiscountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = None
    amount: MoneyIn


class InsuranceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shipping_fee: bool = False
    transit: bool = False


class OrderInput(BaseModel):
    """An order as a merchant system sends it; money in minor units of `currency`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    number: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    customer: CustomerIn
    currency: str
    placed_at: datetime
    delivered_at: datetime | None = None
    ship_to: AddressIn
    channel: str = Field(default="web", min_length=1, max_length=32)
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    shipping: MoneyIn = MoneyIn(amount=0)
    discounts: list[DiscountIn] = []
    tenders: list[TenderIn] = Field(min_length=1, max_length=10)
    insurance: InsuranceIn = InsuranceIn()
    export_reference: str | None = Field(default=None, max_length=64)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not is_currency(value.upper()):
            raise ValueError(f"'{value}' is not an ISO-4217 currency code")
        return value.upper()

    @field_validator("placed_at", "delivered_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-11-11T10:00:00+08:00")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> OrderInput:
        self._one_currency()
        ids = [line.id for line in self.lines]
        if len(ids) != len(set(ids)):
            raise ValueError("line ids must be unique within an order")
        if self.delivered_at and self.delivered_at < self.placed_at:
            raise ValueError("delivered_at is before placed_at")
        if self.discount_minor > self.goods_minor:
            raise ValueError("discounts exceed the value of the goods")
        paid = sum(t.amount.amount for t in self.tenders)
        if paid != self.total_minor:
            raise ValueError(
                f"tenders add up to {paid} but the order total (lines + tax + shipping - discounts) is "
                f"{self.total_minor} minor units of {self.currency}"
            )
        return self

    def _one_currency(self) -> None:
        amounts = [
            self.shipping,
            *(d.amount for d in self.discounts),
            *(t.amount for t in self.tenders),
        ]
        amounts += [m for line in self.lines for m in (line.unit_price, line.tax)]
        for money in amounts:
            if money.amount < 0:
                raise ValueError("amounts cannot be negative")
            if money.currency is not None and money.currency.upper() != self.currency:
                raise ValueError(f"every amount must be in the order currency {self.currency}, got {money.currency}")

    @property
    def goods_minor(self) -> int:
        return sum(line.unit_price.amount * line.quantity + line.tax.amount for line in self.lines)

    @property
    def discount_minor(self) -> int:
        return sum(d.amount.amount for d in self.discounts)

    @property
    def total_minor(self) -> int:
        return self.goods_minor + self.shipping.amount - self.discount_minor
