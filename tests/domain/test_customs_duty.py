"""Duty and tax maths on known cases: rounding per currency, de-minimis edges, returned-goods relief, FX."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from core.settings import ROOT
from domain.customs.duty import DutyLine, FxRate, estimate, identity_rate
from domain.customs.hs import parse_hs
from domain.customs.tariffs import load_tariffs
from domain.errors import InvalidInput
from domain.money import Money

SHIPPED = json.loads((ROOT / "policies" / "tariffs.json").read_text())
TARIFFS = load_tariffs(SHIPPED)
# A test-local market in a currency without decimals (no JP warehouse ships today, so JP is not in the shipped
# table): consumption tax 10%, knitwear 10.9%, otherwise 5%, nothing charged up to JPY 10,000.
YEN = {
    "currency": "JPY", "vat_rate": "0.10", "default_duty_rate": "0.05", "duty_rates": {"61": "0.109"},
    "duty_de_minimis": "10000", "tax_de_minimis": "10000", "relief_years": 1, "relief_covers_tax": True,
}  # fmt: skip
WITH_YEN = load_tariffs({**SHIPPED, "countries": {**SHIPPED["countries"], "JP": YEN}})
DAY = date(2026, 11, 2)


def m(text: str, currency: str) -> Money:
    return Money.parse(text, currency)


def one(country: str, hs: str, value: Money, fx: FxRate | None = None, relief: bool = False):
    tariff = WITH_YEN.for_country(country)
    rate = fx or identity_rate(value.currency, DAY)
    return estimate([DutyLine("L1", parse_hs(hs), value)], tariff, rate, relief=relief)


# country, HS, declared value, FX (None: same currency), expected duty, expected VAT/GST
CASES = [
    # CN: T-shirt 6%, VAT 13% on value + duty
    ("CN", "6109.10", m("300.00", "CNY"), None, "18.00", "41.34"),
    # CN: at the CNY 50 threshold nothing is charged; one fen above, both are
    ("CN", "6109.10", m("50.00", "CNY"), None, "0.00", "0.00"),
    ("CN", "6109.10", m("50.01", "CNY"), None, "3.00", "6.89"),
    # DE: a CNY order converted at the dated ECB rate; EUR 128.35 is under the EUR 150 duty threshold, VAT applies
    ("DE", "6109.10", m("1000.00", "CNY"), FxRate("CNY", "EUR", Decimal("0.128345"), DAY), "0.00", "24.39"),
    # DE: the EU EUR 150 duty threshold is inclusive; one cent above, duty (T-shirt 12%) is due; VAT either way
    ("DE", "6109.10", m("150.00", "EUR"), None, "0.00", "28.50"),
    ("DE", "6109.10", m("150.01", "EUR"), None, "18.00", "31.92"),
    # DE: shoes 8% duty, VAT 19% on value + duty
    ("DE", "6403.99", m("200.00", "EUR"), None, "16.00", "41.04"),
    # DE: longest prefix wins: handbags 4202 at 3%, not the 4% default
    ("DE", "4202.21", m("400.00", "EUR"), None, "12.00", "78.28"),
    # TW: rounding half up on the minor unit (2,010.50 x 5% = 100.525 -> 100.53), then VAT on value + duty
    ("TW", "9405.11", m("2010.50", "TWD"), None, "100.53", "105.55"),
    # TW: de-minimis edge at TWD 2,000
    ("TW", "9405.11", m("2000.00", "TWD"), None, "0.00", "0.00"),
    ("TW", "9405.11", m("2000.01", "TWD"), None, "100.00", "105.00"),
    # HK: free port
    ("HK", "6109.10", m("5000.00", "HKD"), None, "0.00", "0.00"),
    # SG: no duty; GST 9% only above S$400
    ("SG", "6109.10", m("400.00", "SGD"), None, "0.00", "0.00"),
    ("SG", "6109.10", m("400.01", "SGD"), None, "0.00", "36.00"),
    # US: no de minimis any more; cotton T-shirt at 16%, no federal VAT
    ("US", "6109.10", m("50.00", "USD"), None, "8.00", "0.00"),
    # JP (JPY, no minor unit): at the JPY 10,000 threshold nothing; one yen above, both, rounded to whole yen
    ("JP", "6109.10", m("10000", "JPY"), None, "0", "0"),
    ("JP", "6109.10", m("10001", "JPY"), None, "1090", "1109"),  # 1,090.109 and 1,109.1 round down
    ("JP", "9405.11", m("10010", "JPY"), None, "501", "1051"),  # duty 500.5 rounds half up, not to even
    ("JP", "9405.11", m("10005", "JPY"), None, "500", "1051"),  # VAT on 10,505 is 1,050.5: half up again
    # JP: a CNY order converted into whole yen (21,003.5 -> 21,004) before duty and tax
    ("JP", "9405.11", m("1000.00", "CNY"), FxRate("CNY", "JPY", Decimal("21.0035"), DAY), "1050", "2205"),
    # CN: a yen order (the JP market returns to Shanghai) converted into fen: 12,345 x 0.047123 = 581.733435
    ("CN", "6109.10", m("12345", "JPY"), FxRate("JPY", "CNY", Decimal("0.047123"), DAY), "34.90", "80.16"),
]


@pytest.mark.parametrize(("country", "hs", "value", "fx", "duty", "tax"), CASES)
def test_known_cases(country, hs, value, fx, duty, tax):
    got = one(country, hs, value, fx)
    assert (got.duty, got.tax) == (m(duty, got.currency), m(tax, got.currency))
    assert got.total == got.duty + got.tax


def test_fx_conversion_rounds_half_up_in_the_importing_currency():
    got = one("DE", "6109.10", m("1000.00", "CNY"), FxRate("CNY", "EUR", Decimal("0.128345"), DAY))
    assert got.customs_value == m("128.35", "EUR")  # 128.345 -> 128.35
    assert got.fx.on == DAY and got.duty_waived_by == "de_minimis" and got.tax_waived_by is None


@pytest.mark.parametrize(
    ("country", "value", "fx", "customs_value"),
    [
        ("JP", m("1000.00", "CNY"), FxRate("CNY", "JPY", Decimal("21.0035"), DAY), m("21004", "JPY")),
        ("JP", m("1000.00", "CNY"), FxRate("CNY", "JPY", Decimal("21.0034"), DAY), m("21003", "JPY")),
        ("CN", m("12345", "JPY"), FxRate("JPY", "CNY", Decimal("0.047123"), DAY), m("581.73", "CNY")),
    ],
)
def test_fx_conversion_rounds_half_up_to_the_importing_currencys_minor_unit(country, value, fx, customs_value):
    got = one(country, "9405.11", value, fx)
    assert got.customs_value == got.lines[0].customs_value == customs_value


def test_thresholds_apply_to_the_whole_consignment_not_each_item():
    tariff = TARIFFS.for_country("CN")
    lines = [DutyLine(n, parse_hs("610910"), m("30.00", "CNY")) for n in ("L1", "L2")]
    got = estimate(lines, tariff, identity_rate("CNY", DAY))
    assert got.customs_value == m("60.00", "CNY") and got.duty_waived_by is None
    assert got.duty == m("3.60", "CNY")


@pytest.mark.parametrize(
    ("exported", "returned", "reference", "relieved"),
    [
        (date(2026, 1, 10), date(2026, 12, 1), "EX-2026-0001", True),
        (date(2026, 1, 10), date(2027, 1, 10), "EX-2026-0001", True),  # the last day of the window
        (date(2026, 1, 10), date(2027, 1, 11), "EX-2026-0001", False),
        (date(2026, 1, 10), date(2026, 3, 1), None, False),  # no export reference, no relief
        (date(2024, 2, 29), date(2025, 2, 28), "EX-LEAP", True),
    ],
)
def test_returned_goods_relief_window(exported, returned, reference, relieved):
    tariff = TARIFFS.for_country("CN")
    assert tariff.relief_applies(exported, returned, export_reference=reference) is relieved


def test_relief_waives_duty_and_vat_where_the_country_says_so():
    got = one("CN", "6109.10", m("300.00", "CNY"), relief=True)
    assert got.total == Money.zero("CNY")
    assert got.duty_waived_by == got.tax_waived_by == "returned_goods_relief"


def test_unknown_country_and_wrong_fx_are_refused():
    with pytest.raises(InvalidInput, match="no tariff"):
        TARIFFS.for_country("BR")
    with pytest.raises(ValueError, match="must quote EUR"):
        one("DE", "6109.10", m("10.00", "CNY"), FxRate("CNY", "USD", Decimal("0.14"), DAY))


@pytest.mark.parametrize("text", ["6109.10", "610910", "6109 10 00", "6109.10.00.10"])
def test_hs_codes_accepted(text):
    assert parse_hs(text).subheading == "610910"


@pytest.mark.parametrize("text", ["", "6109", "61091", "6109.1O", "6109100", "61091000100"])
def test_hs_codes_refused_with_a_reason(text):
    with pytest.raises(InvalidInput, match="is not an HS code"):
        parse_hs(text)


def test_tariff_table_mistakes_stop_loading():
    bad = {"version": "x", "countries": {"CN": {"currency": "CNY", "vat_rate": "13", "default_duty_rate": "0"}}}
    with pytest.raises(ValueError, match=r"CN.vat_rate"):
        load_tariffs(bad)
