"""Every refusal and review code reads well in en, zh-Hant and zh-Hans; scripts are not mixed up."""

from __future__ import annotations

import re
from datetime import date

import pytest

from domain.codes import RefusalCode, ReviewCode
from domain.messages import LOCALES, MESSAGES, format_money, label, normalize_locale, render
from domain.money import Money
from domain.orders import Resolution, Tag
from domain.reasons import Reason
from tests.domain.test_eligibility import CASES, run

ALL_CODES = [*RefusalCode, *ReviewCode]
PARAMS: dict[str, dict[str, object]] = {
    RefusalCode.WINDOW_EXPIRED: {"deadline": "2026-03-09"},
    RefusalCode.EXCLUDED_TAG: {"tag": "final_sale"},
    RefusalCode.QUANTITY_EXCEEDS_REMAINING: {"requested": 3, "remaining": 1},
    RefusalCode.UNKNOWN_LINE: {"line_id": "L9"},
    RefusalCode.DUPLICATE_LINE: {"line_id": "L1"},
    RefusalCode.INVALID_QUANTITY: {"quantity": 0},
    RefusalCode.RESOLUTION_NOT_ALLOWED: {"resolution": "refund", "allowed": "exchange,repair"},
    RefusalCode.KEEP_IT_ABOVE_THRESHOLD: {"threshold": "30.00 CNY"},
    ReviewCode.HIGH_VALUE: {"threshold": Money(5_000_00, "CNY")},
    ReviewCode.FAULT_CLAIM_ON_EXCLUDED_ITEM: {"tag": "perishable"},
}
# Characters that exist only in one script; a zh-Hant text with a Simplified form (or the reverse) is a typo.
SIMPLIFIED_ONLY = set("货们请这为门于审联与达单选择数额认仅价账说间时实产觉态无项销发运损坏质标签礼个卫报购钱换维订")
TRADITIONAL_ONLY = set("貨們請這為門於審聯係與達單選擇數額認僅價賬說間時實產覺態無項銷發運損壞質標籤禮個衛報購錢換維訂")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("code", ALL_CODES, ids=str)
def test_every_code_renders_in_every_locale(code: str, locale: str) -> None:
    assert set(MESSAGES[code]) == set(LOCALES)
    text = render(code, locale, **PARAMS.get(code, {}))
    assert text.strip() and not re.search(r"[{}]", text)
    if locale == "en":
        assert text.isascii()
    else:
        assert re.search(r"[\u4e00-\u9fff]", text)
        wrong = SIMPLIFIED_ONLY if locale == "zh-Hant" else TRADITIONAL_ONLY
        assert not set(text) & wrong, f"{code} {locale}: {sorted(set(text) & wrong)}"


@pytest.mark.parametrize("kind", ["tag", "resolution", "reason"])
@pytest.mark.parametrize("locale", ["zh-Hant", "zh-Hans"])
def test_vocabulary_labels_use_the_right_script(kind, locale) -> None:
    vocabulary: dict[str, list[str]] = {"tag": list(Tag), "resolution": list(Resolution), "reason": list(Reason)}
    values = vocabulary[kind]
    wrong = SIMPLIFIED_ONLY if locale == "zh-Hant" else TRADITIONAL_ONLY
    for value in values:
        text = label(kind, value, locale)
        assert text != value and not set(text) & wrong, (value, text)


def test_params_are_localised() -> None:
    assert "9 March 2026" in render(RefusalCode.WINDOW_EXPIRED, "en", deadline="2026-03-09")
    assert "2026年3月9日" in render(RefusalCode.WINDOW_EXPIRED, "zh-Hans", deadline=date(2026, 3, 9))
    assert "定制商品" in render(RefusalCode.EXCLUDED_TAG, "zh-Hans", tag="customized")
    assert "客製化商品" in render(RefusalCode.EXCLUDED_TAG, "zh-Hant", tag="customized")
    assert "換貨、維修" in render(
        RefusalCode.RESOLUTION_NOT_ALLOWED, "zh-Hant", resolution="refund", allowed="exchange,repair"
    )
    assert "exchange, repair" in render(
        RefusalCode.RESOLUTION_NOT_ALLOWED, "en", resolution="refund", allowed="exchange,repair"
    )


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(1_234_50, "CNY"), "CNY 1,234.50"),
        (Money(1_500, "JPY"), "JPY 1,500"),
        (Money(3_500, "KWD"), "KWD 3.500"),
        (Money(5, "EUR"), "EUR 0.05"),
    ],
)
def test_money_keeps_the_currency_exponent(money: Money, text: str) -> None:
    assert format_money(money, "en") == text
    assert text in render(RefusalCode.KEEP_IT_ABOVE_THRESHOLD, "zh-Hant", threshold=str(money))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("zh-TW", "zh-Hant"),
        ("zh_HK", "zh-Hant"),
        ("zh-Hant-TW", "zh-Hant"),
        ("zh-CN", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-Hans-SG", "zh-Hans"),
        ("fr-FR", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_locale_fallback(given: str | None, expected: str) -> None:
    assert normalize_locale(given) == expected


def test_unknown_code_or_missing_param_is_an_error() -> None:
    with pytest.raises(ValueError):
        render("no_such_code", "en")
    with pytest.raises(ValueError):
        render(RefusalCode.WINDOW_EXPIRED, "en")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_refusal_the_policy_produces_can_be_rendered(case) -> None:
    result = run(case)
    found = [r for i in result.items for r in i.refusals] + list(result.refusals) + list(result.review)
    for refusal in found:
        for locale in LOCALES:
            assert refusal.text(locale) == render(refusal.code, locale, **refusal.params)
            assert "{" not in refusal.text(locale)
