"""Duty and tax estimate for a returned consignment: convert the declared value with a dated FX rate, apply
de-minimis thresholds, duty by HS prefix, VAT/GST on value + duty, and returned-goods relief."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.customs.hs import HsCode
from domain.customs.tariffs import CountryTariff
from domain.errors import InvalidInput
from domain.money import Money, exponent


@dataclass(frozen=True)
class FxRate:
    """Units of `quote` for one unit of `base`, as published on `on` (ECB reference rates)."""

    base: str
    quote: str
    rate: Decimal
    on: date
    source: str = "ECB"

    def convert(self, money: Money) -> Money:
        if money.currency != self.base:
            raise ValueError(f"rate is for {self.base}, money is {money.currency}")
        return to_minor(money.to_decimal() * self.rate, self.quote)


def identity_rate(currency: str, on: date) -> FxRate:
    return FxRate(currency, currency, Decimal(1), on, source="same currency")


def to_minor(amount: Decimal, currency: str) -> Money:
    """Round a major-unit amount to the currency's minor unit, half up (as customs authorities round)."""
    places = Decimal(1).scaleb(-exponent(currency))
    return Money(int(amount.quantize(places, rounding=ROUND_HALF_UP).scaleb(exponent(currency))), currency)


@dataclass(frozen=True)
class DutyLine:
    line_id: str
    hs_code: HsCode
    value: Money  # declared value for the returned quantity, in the order's currency


@dataclass(frozen=True)
class LineDuty:
    line_id: str
    hs_code: str
    customs_value: Money  # in the importing country's currency
    duty_rate: Decimal
    duty: Money
    tax: Money


@dataclass(frozen=True)
class DutyEstimate:
    country: str
    currency: str
    fx: FxRate
    lines: tuple[LineDuty, ...]
    customs_value: Money
    duty: Money
    tax: Money
    duty_waived_by: str | None  # "de_minimis" | "returned_goods_relief" | None
    tax_waived_by: str | None

    @property
    def total(self) -> Money:
        return self.duty + self.tax


def estimate(
    lines: list[DutyLine],
    tariff: CountryTariff,
    fx: FxRate,
    *,
    relief: bool = False,
) -> DutyEstimate:
    """Duty and VAT/GST the importing country will charge; thresholds apply to the whole consignment."""
    if not lines:
        raise InvalidInput("a declaration needs at least one item", code="empty_declaration")
    if fx.quote != tariff.currency:
        raise ValueError(f"FX rate must quote {tariff.currency}, got {fx.quote}")
    values = [fx.convert(line.value) for line in lines]
    total_value = sum(values, Money.zero(tariff.currency))
    duty_waived_by = tax_waived_by = None
    if relief:
        duty_waived_by = "returned_goods_relief"
        if tariff.relief_covers_tax:
            tax_waived_by = "returned_goods_relief"
    if duty_waived_by is None and tariff.duty_de_minimis is not None and total_value <= tariff.duty_de_minimis:
        duty_waived_by = "de_minimis"
    if tax_waived_by is None and tariff.tax_de_minimis is not None and total_value <= tariff.tax_de_minimis:
        tax_waived_by = "de_minimis"
    out: list[LineDuty] = []
    for line, value in zip(lines, values, strict=True):
        rate = tariff.duty_rate(line.hs_code)
        duty = Money.zero(tariff.currency) if duty_waived_by else to_minor(value.to_decimal() * rate, tariff.currency)
        tax = (
            Money.zero(tariff.currency)
            if tax_waived_by
            else to_minor((value + duty).to_decimal() * tariff.vat_rate, tariff.currency)
        )
        out.append(LineDuty(line.line_id, str(line.hs_code), value, rate, duty, tax))
    zero = Money.zero(tariff.currency)
    return DutyEstimate(
        country=tariff.country,
        currency=tariff.currency,
        fx=fx,
        lines=tuple(out),
        customs_value=total_value,
        duty=sum((line.duty for line in out), zero),
        tax=sum((line.tax for line in out), zero),
        duty_waived_by=duty_waived_by,
        tax_waived_by=tax_waived_by,
    )
