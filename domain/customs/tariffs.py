"""The shipped tariff table: per importing country its currency, duty rates by HS prefix, VAT/GST, de-minimis
thresholds and returned-goods relief. Loaded from data (policies/tariffs.json) and validated here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.customs.hs import HsCode
from domain.errors import InvalidInput
from domain.money import Money, check_currency


@dataclass(frozen=True)
class CountryTariff:
    country: str
    currency: str
    vat_rate: Decimal  # VAT / GST on customs value + duty
    default_duty_rate: Decimal
    duty_rates: dict[str, Decimal]  # HS prefix (2, 4, 6 or 8 digits) → ad-valorem rate; longest prefix wins
    duty_de_minimis: Money | None  # consignment value at or below this: no duty
    tax_de_minimis: Money | None  # at or below this: no VAT/GST
    relief_years: int | None  # returned goods re-imported within this many years enter duty-free
    relief_covers_tax: bool  # whether that relief also waives VAT/GST
    note: str = ""

    def duty_rate(self, hs: HsCode) -> Decimal:
        for length in (8, 6, 4, 2):
            rate = self.duty_rates.get(hs.digits[:length])
            if rate is not None:
                return rate
        return self.default_duty_rate

    def relief_applies(self, exported_on: date | None, returned_on: date, *, export_reference: str | None) -> bool:
        """Returned-goods relief needs the original export reference and a return inside the country's window."""
        if self.relief_years is None or not export_reference or exported_on is None:
            return False
        try:
            limit = exported_on.replace(year=exported_on.year + self.relief_years)
        except ValueError:  # 29 February
            limit = exported_on.replace(year=exported_on.year + self.relief_years, day=28)
        return returned_on <= limit


@dataclass(frozen=True)
class Tariffs:
    version: str
    countries: dict[str, CountryTariff]

    def for_country(self, country: str) -> CountryTariff:
        found = self.countries.get(country)
        if found is None:
            raise InvalidInput(
                f"no tariff for imports into {country}: add the country to the tariff table",
                code="no_tariff",
            )
        return found


def _rate(value: Any, where: str) -> Decimal:
    rate = Decimal(str(value))
    if not (Decimal(0) <= rate < Decimal(10)):
        raise ValueError(f"{where}: rate {value} must be a fraction such as 0.13")
    return rate


def _threshold(value: Any, currency: str) -> Money | None:
    return None if value is None else Money.parse(str(value), currency)


def load_tariffs(data: dict[str, Any]) -> Tariffs:
    """Validate the tariff document; a mistake stops start-up with the country and field named."""
    countries: dict[str, CountryTariff] = {}
    for country, entry in data["countries"].items():
        currency = check_currency(entry["currency"])
        rates = {}
        for prefix, rate in entry.get("duty_rates", {}).items():
            if not (prefix.isdigit() and len(prefix) in (2, 4, 6, 8)):
                raise ValueError(f"{country}: duty rate prefix {prefix!r} must be 2, 4, 6 or 8 digits")
            rates[prefix] = _rate(rate, f"{country}.{prefix}")
        countries[country] = CountryTariff(
            country=country,
            currency=currency,
            vat_rate=_rate(entry["vat_rate"], f"{country}.vat_rate"),
            default_duty_rate=_rate(entry["default_duty_rate"], f"{country}.default_duty_rate"),
            duty_rates=rates,
            duty_de_minimis=_threshold(entry.get("duty_de_minimis"), currency),
            tax_de_minimis=_threshold(entry.get("tax_de_minimis"), currency),
            relief_years=entry.get("relief_years"),
            relief_covers_tax=bool(entry.get("relief_covers_tax", False)),
            note=entry.get("note", ""),
        )
    return Tariffs(version=str(data["version"]), countries=countries)
