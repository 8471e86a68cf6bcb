"""Customer-facing texts for every refusal and review code, in en, zh-Hant and zh-Hans."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from domain.codes import RefusalCode, ReviewCode
from domain.money import Money, exponent
from domain.orders import Resolution, Tag
from domain.reasons import Reason

Locale = Literal["en", "zh-Hant", "zh-Hans"]
LOCALES: tuple[Locale, ...] = ("en", "zh-Hant", "zh-Hans")
Text = dict[Locale, str]

_CHECKED_BY_TEAM: Text = {
    # Deliberately the same neutral words for every risk rule: a customer is never told they are "flagged".
    "en": "Your return will be checked by a member of our team before it is approved. We'll be in touch shortly.",
    "zh-Hant": "您的退貨申請將由客服人員審核後再行核准，我們會盡快與您聯繫。",
    "zh-Hans": "您的退货申请将由客服人员审核后再予批准，我们会尽快与您联系。",
}

MESSAGES: dict[str, Text] = {
    RefusalCode.WINDOW_EXPIRED: {
        "en": "Sorry, the return period for this item ended on {deadline}.",
        "zh-Hant": "很抱歉，此商品的退貨期限已於{deadline}截止。",
        "zh-Hans": "很抱歉，此商品的退货期限已于{deadline}截止。",
    },
    RefusalCode.NOT_DELIVERED: {
        "en": "This item hasn't been delivered yet. You can request a return once it has arrived.",
        "zh-Hant": "此商品尚未送達，收到商品後即可申請退貨。",
        "zh-Hans": "此商品尚未送达，收到商品后即可申请退货。",
    },
    RefusalCode.EXCLUDED_TAG: {
        "en": "Sorry, {tag} can only be returned if they are faulty or not what you ordered.",
        "zh-Hant": "很抱歉，{tag}僅在有瑕疵或與訂單不符時才能退貨。",
        "zh-Hans": "很抱歉，{tag}仅在存在质量问题或与订单不符时才能退货。",
    },
    RefusalCode.QUANTITY_EXCEEDS_REMAINING: {
        "en": "You asked to return {requested}, but only {remaining} of this item can still be returned.",
        "zh-Hant": "您申請退回{requested}件，但此商品僅剩{remaining}件可以退貨。",
        "zh-Hans": "您申请退回{requested}件，但此商品仅剩{remaining}件可以退货。",
    },
    RefusalCode.ALREADY_RETURNED: {
        "en": "Every unit of this item has already been returned or is part of another return.",
        "zh-Hant": "此商品已全數退回，或已包含在另一筆退貨申請中。",
        "zh-Hans": "此商品已全部退回，或已包含在另一笔退货申请中。",
    },
    RefusalCode.UNKNOWN_LINE: {
        "en": "We couldn't find this item ({line_id}) in your order.",
        "zh-Hant": "您的訂單中找不到此商品（{line_id}）。",
        "zh-Hans": "您的订单中找不到此商品（{line_id}）。",
    },
    RefusalCode.DUPLICATE_LINE: {
        "en": "This item ({line_id}) appears more than once in your request. "
        "Please list it once with the total quantity.",
        "zh-Hant": "此商品（{line_id}）在申請中重複出現，請合併為一項並填寫總數量。",
        "zh-Hans": "此商品（{line_id}）在申请中重复出现，请合并为一项并填写总数量。",
    },
    RefusalCode.INVALID_QUANTITY: {
        "en": "Please enter a quantity of at least 1 (you entered {quantity}).",
        "zh-Hant": "請輸入至少為1的數量（您輸入的是{quantity}）。",
        "zh-Hans": "请输入至少为1的数量（您输入的是{quantity}）。",
    },
    RefusalCode.RESOLUTION_NOT_ALLOWED: {
        "en": 'Sorry, "{resolution}" isn\'t available for this item. You can choose: {allowed}.',
        "zh-Hant": "很抱歉，此商品無法選擇「{resolution}」，可選擇：{allowed}。",
        "zh-Hans": "很抱歉，此商品无法选择“{resolution}”，可选择：{allowed}。",
    },
    RefusalCode.KEEP_IT_ABOVE_THRESHOLD: {
        "en": "Items worth more than {threshold} can't be refunded without being sent back. "
        "Please choose to return them instead.",
        "zh-Hant": "價值超過{threshold}的商品無法免退貨退款，請選擇將商品寄回辦理退貨。",
        "zh-Hans": "价值超过{threshold}的商品不支持仅退款，请选择将商品寄回办理退货。",
    },
    RefusalCode.EMPTY_REQUEST: {
        "en": "Please choose at least one item to return.",
        "zh-Hant": "請至少選擇一件要退回的商品。",
        "zh-Hans": "请至少选择一件要退回的商品。",
    },
    RefusalCode.NO_ELIGIBLE_ITEMS: {
        "en": "None of the selected items can be returned. You can still ask our team to review your request.",
        "zh-Hant": "您選擇的商品皆無法退貨。如有需要，您仍可請客服人員審核此申請。",
        "zh-Hans": "您选择的商品均无法退货。如有需要，您仍可请客服人员审核此申请。",
    },
    ReviewCode.HIGH_VALUE: {
        "en": "As your return is worth {threshold} or more, a member of our team will check it before it is "
        "approved. We'll be in touch shortly.",
        "zh-Hant": "由於退貨金額達{threshold}以上，需由客服人員審核後才能核准，我們會盡快與您聯繫。",
        "zh-Hans": "由于退货金额达到{threshold}及以上，需由客服人员审核后才能批准，我们会尽快与您联系。",
    },
    ReviewCode.HIGH_RETURN_RATE: _CHECKED_BY_TEAM,
    ReviewCode.BLOCKLISTED: _CHECKED_BY_TEAM,
    ReviewCode.EMPTY_BOX_HISTORY: _CHECKED_BY_TEAM,
    ReviewCode.MANUAL_APPROVAL: _CHECKED_BY_TEAM,
    ReviewCode.UNKNOWN_FAULT: {
        "en": "Thank you for telling us what happened. A member of our team will read your comments and get back "
        "to you shortly.",
        "zh-Hant": "感謝您說明情況，客服人員將查看您的說明並盡快回覆您。",
        "zh-Hans": "感谢您说明情况，客服人员将查看您的说明并尽快回复您。",
    },
    ReviewCode.FAULT_CLAIM_ON_EXCLUDED_ITEM: {
        "en": "Because {tag} usually can't be returned, our team will look into the problem you reported before "
        "approving the return. We'll be in touch shortly.",
        "zh-Hant": "由於{tag}通常不接受退貨，客服人員會先確認您回報的問題再核准退貨，我們會盡快與您聯繫。",
        "zh-Hans": "由于{tag}通常不支持退货，客服人员会先核实您反馈的问题再批准退货，我们会尽快与您联系。",
    },
}

TAG_LABELS: dict[str, Text] = {
    Tag.PERISHABLE: {"en": "perishable goods", "zh-Hant": "生鮮易腐商品", "zh-Hans": "生鲜易腐商品"},
    Tag.CUSTOMIZED: {"en": "customized items", "zh-Hant": "客製化商品", "zh-Hans": "定制商品"},
    Tag.DIGITAL: {"en": "digital content", "zh-Hant": "數位內容商品", "zh-Hans": "数字内容商品"},
    Tag.PERIODICAL: {"en": "newspapers and magazines", "zh-Hant": "報紙期刊", "zh-Hans": "报纸期刊"},
    Tag.HYGIENE: {"en": "hygiene products", "zh-Hant": "個人衛生用品", "zh-Hans": "个人卫生用品"},
    Tag.FINAL_SALE: {"en": "final-sale items", "zh-Hant": "標示不退換的商品", "zh-Hans": "标明不退换的商品"},
    Tag.GIFT_CARD: {"en": "gift cards", "zh-Hant": "禮品卡", "zh-Hans": "礼品卡"},
    Tag.THREE_GUARANTEES: {
        "en": "items under the Three Guarantees warranty",
        "zh-Hant": "適用三包的商品",
        "zh-Hans": "适用三包的商品",
    },
}

RESOLUTION_LABELS: dict[str, Text] = {
    Resolution.REFUND: {
        "en": "refund to original payment",
        "zh-Hant": "退款至原付款方式",
        "zh-Hans": "退款至原支付方式",
    },
    Resolution.STORE_CREDIT: {"en": "store credit", "zh-Hant": "購物金", "zh-Hans": "店铺余额"},
    Resolution.EXCHANGE: {"en": "exchange", "zh-Hant": "換貨", "zh-Hans": "换货"},
    Resolution.REPAIR: {"en": "repair", "zh-Hant": "維修", "zh-Hans": "维修"},
    Resolution.REPLACEMENT: {"en": "replacement", "zh-Hant": "補寄新品", "zh-Hans": "补发新品"},
    Resolution.KEEP_IT: {"en": "refund without return", "zh-Hant": "免退貨退款", "zh-Hans": "仅退款（无需退货）"},
}

REASON_LABELS: dict[str, Text] = {
    Reason.CHANGED_MIND: {"en": "Changed my mind", "zh-Hant": "不想要了", "zh-Hans": "不想要了"},
    Reason.WRONG_SIZE: {"en": "Wrong size", "zh-Hant": "尺寸不合", "zh-Hans": "尺码不合适"},
    Reason.NOT_AS_DESCRIBED: {"en": "Not as described", "zh-Hant": "與商品描述不符", "zh-Hans": "与商品描述不符"},
    Reason.DEFECTIVE: {"en": "Defective", "zh-Hant": "商品故障或瑕疵", "zh-Hans": "商品有质量问题"},
    Reason.DAMAGED_IN_TRANSIT: {"en": "Damaged in transit", "zh-Hant": "運送途中損壞", "zh-Hans": "运输途中损坏"},
    Reason.WRONG_ITEM_SENT: {"en": "Wrong item sent", "zh-Hant": "寄錯商品", "zh-Hans": "发错商品"},
    Reason.MISSING_PARTS: {"en": "Missing parts", "zh-Hant": "缺少配件", "zh-Hans": "缺少配件"},
    Reason.ARRIVED_LATE: {"en": "Arrived too late", "zh-Hant": "到貨太晚", "zh-Hans": "到货太晚"},
    Reason.OTHER: {"en": "Other", "zh-Hant": "其他", "zh-Hans": "其他"},
}

_VOCABULARY: dict[str, dict[str, Text]] = {"tag": TAG_LABELS, "resolution": RESOLUTION_LABELS, "reason": REASON_LABELS}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONEY_TEXT = re.compile(r"^(-?\d+(?:\.\d+)?) ([A-Z]{3})$")  # str(Money), as refusal params store it
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def normalize_locale(locale: str | None) -> Locale:
    """Map a browser or profile locale onto one we write in; anything unknown reads English."""
    tag = (locale or "").strip().lower().replace("_", "-")
    if tag == "zh" or tag.startswith("zh-"):
        traditional = "hant" in tag or tag.split("-")[-1] in {"tw", "hk", "mo"}
        return "zh-Hant" if traditional else "zh-Hans"
    return "en"


def format_date(day: date, locale: Locale) -> str:
    if locale == "en":
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def format_money(money: Money, locale: Locale) -> str:
    """Currency code and amount with grouping, e.g. "CNY 1,299.00", "JPY 1,500", "KWD 3.500"."""
    places = exponent(money.currency)
    return f"{money.currency} {money.to_decimal():,.{places}f}"


def label(kind: Literal["tag", "resolution", "reason"], value: str, locale: str | None) -> str:
    """The customer-facing name of a tag, resolution or reason code."""
    texts = _VOCABULARY[kind].get(value)
    return texts[normalize_locale(locale)] if texts else value


def _param(key: str, value: object, locale: Locale) -> str:
    if isinstance(value, datetime):
        return format_date(value.date(), locale)
    if isinstance(value, date):
        return format_date(value, locale)
    if isinstance(value, Money):
        return format_money(value, locale)
    text = str(value)
    if key in _VOCABULARY:
        texts = _VOCABULARY[key].get(text)
        return texts[locale] if texts else text
    if key == "allowed":
        sep = ", " if locale == "en" else "、"
        return sep.join(label("resolution", r, locale) for r in text.split(",") if r)
    if _ISO_DATE.match(text):
        return format_date(date.fromisoformat(text), locale)
    if m := _MONEY_TEXT.match(text):
        return format_money(Money.parse(m.group(1), m.group(2)), locale)
    return text


def render(code: str, locale: str | None, **params: object) -> str:
    """The message for a refusal or review code in the customer's language (English if unsupported)."""
    texts = MESSAGES.get(str(code))
    if texts is None:
        raise ValueError(f"no message for code {code!r}")
    loc = normalize_locale(locale)
    values = {k: _param(k, v, loc) for k, v in params.items()}
    try:
        return texts[loc].format_map(values)
    except KeyError as missing:
        raise ValueError(f"message {code!r} needs the parameter {missing}") from None
