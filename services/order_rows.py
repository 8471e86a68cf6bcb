"""The CSV import's quick path: an order's rows straight to the values the bulk insert stores, for orders that
are plainly valid. Validating with `OrderInput` costs about 30 µs an order, most of the import's time.

The quick path accepts only values whose meaning is beyond doubt (no surrounding blanks, amounts as plain
digits with at most the currency's decimals, timestamps in the one ISO 8601 shape `2026-11-11T10:00:00+08:00`,
...) and then stores exactly what `OrderInput` and `new_order` would: it applies the same limits and calls the
model's own validators. Anything else, good or bad, gets `None`, and the import validates that order with
`OrderInput` as before, so every refusal and its message comes from `OrderInput`."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from domain.money import exponent, is_currency
from services.order_bulk import NewOrder
from services.order_input import TAGS, AddressIn, CustomerIn, LineIn, normalize_email

NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")  # OrderInput.number's pattern
DIGITS = re.compile(r"[0-9]{1,15}")
AMOUNT = re.compile(r"([0-9]{1,15})(?:\.([0-9]{1,4}))?")
HOUR_MINUTE = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
TIMESTAMP = re.compile(
    rf"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T{HOUR_MINUTE}:[0-5][0-9](?:\.[0-9]{{1,6}})?(?:Z|[+-]{HOUR_MINUTE})"
)
COUNTRY = re.compile(r"[A-Za-z]{2}")
KNOWN_TAGS = frozenset(TAGS)
TENDER_TYPES = frozenset({"card", "gift_card", "points", "wallet"})  # TenderIn.type
MAX_LINES = 500


class Doubt(Exception):
    """The quick path cannot vouch for a value: OrderInput decides."""


class Layout:
    """Where each column is in a row (the last of equal names, as csv.DictReader has it); -1: not in the file."""

    def __init__(self, header: list[str], columns: tuple[str, ...]) -> None:
        where = {name: i for i, name in enumerate(header)}
        self.width = len(header)
        self.at = {c: where.get(c, -1) for c in columns}


@lru_cache(maxsize=256)
def _exponent(currency: str) -> int:
    return exponent(currency)


@lru_cache(maxsize=1024)
def _country(value: str) -> str:
    if not COUNTRY.fullmatch(value):
        raise Doubt
    try:
        return AddressIn._country(value)
    except ValueError:
        raise Doubt from None


def _text(value: str, longest: int, *, empty: bool = False) -> str:
    """A string field of a model with str_strip_whitespace and (min_length=1 unless `empty`, max_length)."""
    if value != value.strip() or len(value) > longest or (not value and not empty):
        raise Doubt
    return value


def _minor(text: str, exp: int) -> int:
    """As Money.parse(text.strip() or "0", currency).minor; blank is 0."""
    if not text:
        return 0
    m = AMOUNT.fullmatch(text)
    if m is None:
        raise Doubt
    whole, frac = m.groups()
    frac = frac or ""
    if len(frac) > exp:
        raise Doubt  # maybe "12.300", maybe too many decimals: Money.parse says which
    return int(whole + frac.ljust(exp, "0"))


def _count(text: str) -> int:
    """A whole number written as plain digits, more than 0 (quantity, weight_g)."""
    if not DIGITS.fullmatch(text) or int(text) <= 0:
        raise Doubt
    return int(text)


def _when(text: str) -> datetime:
    if not TIMESTAMP.fullmatch(text):
        raise Doubt
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise Doubt from None


def prepare(rows: list[list[str]], layout: Layout) -> NewOrder | None:
    """The order of these rows as the bulk insert stores it, or None when OrderInput must look at it."""
    if len(rows) > MAX_LINES or any(len(r) != layout.width for r in rows):
        return None
    try:
        return _prepare(rows, layout.at)
    except Doubt:
        return None


def _prepare(rows: list[list[str]], at: dict[str, int]) -> NewOrder:
    head = rows[0]

    def opt(row: list[str], column: str) -> str:
        i = at[column]
        return row[i] if i >= 0 else ""

    number = head[at["order_number"]]
    if len(number) > 64 or not NUMBER.fullmatch(number):
        raise Doubt
    currency = head[at["currency"]].strip().upper()
    if not is_currency(currency):
        raise Doubt
    exp = _exponent(currency)
    email = _text(head[at["email"]], 254)
    try:
        email = normalize_email(email)
    except ValueError:
        raise Doubt from None
    phone = _text(opt(head, "phone"), 40) if opt(head, "phone") else None
    placed_at = _when(head[at["placed_at"]])
    delivered_at = _when(opt(head, "delivered_at")) if opt(head, "delivered_at") else None
    if delivered_at is not None and delivered_at < placed_at:
        raise Doubt
    ship_to: dict[str, Any] = {"country": _country(head[at["ship_to_country"]])}
    for part in ("name", "line1", "city", "postal_code"):
        if value := opt(head, f"ship_to_{part}"):
            ship_to[part] = value  # extra keys of AddressIn: kept as written
    lines: list[dict[str, Any]] = []
    goods = 0
    for position, r in enumerate(rows):
        tags = [t for t in opt(r, "tags").replace(",", ";").split(";") if t.strip()]
        if not KNOWN_TAGS.issuperset(tags):
            raise Doubt
        hs_code: str | None = opt(r, "hs_code") or None
        if hs_code is not None:
            try:
                hs_code = LineIn._hs(_text(hs_code, 64))
            except ValueError:
                raise Doubt from None
        origin = opt(r, "origin_country")
        weight = opt(r, "weight_g")
        quantity, unit_price, tax = (
            _count(r[at["quantity"]]),
            _minor(r[at["unit_price"]], exp),
            _minor(opt(r, "line_tax"), exp),
        )
        if quantity > 100_000:
            raise Doubt
        line = {
            "position": position,
            "line_id": _text(r[at["line_id"]], 64),
            "sku": _text(r[at["sku"]], 64),
            "title": _text(r[at["title"]], 300),
            "category": _text(r[at["category"]], 64),
            "tags": sorted(set(tags)),
            "quantity": quantity,
            "unit_price_minor": unit_price,
            "tax_minor": tax,
            "hs_code": hs_code,
            "origin_country": _country(origin) if origin else None,
            "weight_g": _count(weight) if weight else None,
        }
        goods += unit_price * quantity + tax
        lines.append(line)
    if len({li["line_id"] for li in lines}) != len(lines):
        raise Doubt
    shipping = _minor(opt(head, "shipping"), exp)
    discount = _minor(opt(head, "discount"), exp)
    if discount > goods:
        raise Doubt
    tender_type = opt(head, "payment_method") or "card"
    charge = opt(head, "provider_charge_id") or None
    if tender_type not in TENDER_TYPES or (charge is not None and len(charge) > 64):
        raise Doubt  # TenderIn does not strip: its values are taken as they are
    export_reference = opt(head, "export_reference")
    return NewOrder(
        number=number,
        email=email,
        name=_text(head[at["name"]], 200),
        phone=phone,
        locale=CustomerIn._locale(opt(head, "locale") or "en"),
        columns={
            "currency": currency,
            "placed_at": placed_at,
            "delivered_at": delivered_at,
            "channel": _text(opt(head, "channel") or "web", 32),
            "ship_to_country": ship_to["country"],
            "ship_to": ship_to,
            "shipping_minor": shipping,
            "discount_minor": discount,
            "insurance_shipping_fee": False,
            "insurance_transit": False,
            "export_reference": _text(export_reference, 64) if export_reference else None,
        },
        lines=lines,
        tenders=[
            {
                "position": 0,
                "type": tender_type,
                "amount_minor": goods + shipping - discount,
                "provider_charge_id": charge,
            }
        ],
    )
