"""The CSV import's quick path: an order's rows straight to the values the bulk insert stores, for orders that
are plainly valid. Validating with `OrderInput` costs about 30 µs an order, most of the import's time.

The quick path accepts only values whose meaning is beyond doubt (no surrounding blanks, amounts as plain
digits with at most the currency's decimals, timestamps in the one ISO 8601 shape `2026-11-11T10:00:00+08:00`,
...) and then stores exactly what `OrderInput` and `new_order` would: it applies the same limits and calls the
model's own validators. Anything else, good or bad, gets `None`, and the import validates that order with
`OrderInput` as before, so every refusal and its message comes from `OrderInput`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from domain.money import exponent, is_currency
from services.order_bulk import NewOrder
from services.order_input import TAGS, AddressIn, CustomerIn, LineIn, normalize_email

NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")  # OrderInput.number's pattern
DIGITS = re.compile(r"[0-9]{1,15}")
HOUR_MINUTE = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
TIMESTAMP = re.compile(
    rf"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T{HOUR_MINUTE}:[0-5][0-9](?:\.[0-9]{{1,6}})?(?:Z|[+-]{HOUR_MINUTE})"
)
COUNTRY = re.compile(r"[A-Za-z]{2}")
KNOWN_TAGS = frozenset(TAGS)
TENDER_TYPES = frozenset({"card", "gift_card", "points", "wallet"})  # TenderIn.type
MAX_LINES = 500
REQUIRED = (
    "order_number",
    "placed_at",
    "currency",
    "email",
    "name",
    "ship_to_country",
    "line_id",
    "sku",
    "title",
    "category",
    "quantity",
    "unit_price",
)
OPTIONAL = (
    "delivered_at",
    "channel",
    "phone",
    "locale",
    "ship_to_name",
    "ship_to_line1",
    "ship_to_city",
    "ship_to_postal_code",
    "tags",
    "line_tax",
    "hs_code",
    "origin_country",
    "weight_g",
    "shipping",
    "discount",
    "payment_method",
    "provider_charge_id",
    "export_reference",
)
COLUMNS = REQUIRED + OPTIONAL  # the file's columns; _prepare unpacks their positions in this order
SHIP_TO = tuple((part, COLUMNS.index(f"ship_to_{part}")) for part in ("name", "line1", "city", "postal_code"))


class Doubt(Exception):
    """The quick path cannot vouch for a value: OrderInput decides."""


class Layout:
    """Where each column is in a row (the last of equal names, as csv.DictReader has it); -1: not in the file."""

    def __init__(self, header: list[str], columns: tuple[str, ...]) -> None:
        where = {name: i for i, name in enumerate(header)}
        self.width = len(header)
        self.at = {c: where.get(c, -1) for c in columns}
        self.fields = tuple(where.get(c, -1) for c in COLUMNS)  # what _prepare unpacks


_EXPONENTS: dict[str, int] = {}  # known currencies only, so bounded by ISO 4217


def _exponent(currency: str) -> int:
    """The currency's decimals; Doubt when it is not a currency."""
    exp = _EXPONENTS.get(currency)
    if exp is None:
        if not is_currency(currency):
            raise Doubt
        exp = _EXPONENTS[currency] = exponent(currency)
    return exp


@lru_cache(maxsize=1024)
def _country(value: str) -> str:
    if not COUNTRY.fullmatch(value):
        raise Doubt
    try:
        return AddressIn._country(value)
    except ValueError:
        raise Doubt from None


@lru_cache(maxsize=256)
def _locale(value: str) -> str:
    return CustomerIn._locale(value)


def _text(value: str, longest: int) -> str:
    """A string field of a model with str_strip_whitespace, min_length=1 and max_length=`longest`."""
    if not value or len(value) > longest or value != value.strip():
        raise Doubt
    return value


def _minor(text: str, exp: int) -> int:
    """As Money.parse(text.strip() or "0", currency).minor; blank is 0. Only plain digits (at most 15), with at
    most the currency's decimals after a dot; anything else is Doubt (maybe "12.300", maybe too many decimals:
    Money.parse says which)."""
    if not text:
        return 0
    whole, dot, frac = text.partition(".")
    if not (whole.isdigit() and whole.isascii()) or len(whole) > 15:
        raise Doubt
    if not dot:
        return int(whole + "0" * exp)
    if not (frac.isdigit() and frac.isascii()) or len(frac) > exp:
        raise Doubt
    return int(whole + frac.ljust(exp, "0"))


def _count(text: str) -> int:
    """A whole number written as plain digits (at most 15), more than 0 (quantity, weight_g)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 15:
        raise Doubt
    value = int(text)
    if value <= 0:
        raise Doubt
    return value


def _when(text: str, _shape: Any = TIMESTAMP.fullmatch) -> datetime:
    if not _shape(text):
        raise Doubt
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise Doubt from None


def prepare(rows: Sequence[Sequence[str]], layout: Layout) -> NewOrder | None:
    """The order of these rows as the bulk insert stores it, or None when OrderInput must look at it."""
    width = layout.width
    if len(rows) > MAX_LINES:
        return None
    for r in rows:
        if len(r) != width:
            return None
    try:
        return _prepare(rows, layout.fields)
    except Doubt:
        return None


def _prepare(rows: Sequence[Sequence[str]], at: tuple[int, ...], _number: Any = NUMBER.fullmatch) -> NewOrder:
    """Every check of OrderInput, in the same terms, on plain values; the positions of absent columns are -1."""
    (  # COLUMNS' positions in the file
        i_number,
        i_placed,
        i_currency,
        i_email,
        i_name,
        i_country,
        i_line_id,
        i_sku,
        i_title,
        i_category,
        i_quantity,
        i_price,
        i_delivered,
        i_channel,
        i_phone,
        i_locale,
        _,  # the ship_to_ extras: SHIP_TO
        _,
        _,
        _,
        i_tags,
        i_tax,
        i_hs,
        i_origin,
        i_weight,
        i_shipping,
        i_discount,
        i_payment,
        i_charge,
        i_export,
    ) = at
    head = rows[0]

    number = head[i_number]
    if len(number) > 64 or not _number(number):
        raise Doubt
    currency = head[i_currency].strip().upper()
    exp = _exponent(currency)
    try:
        email = normalize_email(_text(head[i_email], 254))
    except ValueError:
        raise Doubt from None
    phone = head[i_phone] if i_phone >= 0 else ""
    placed_at = _when(head[i_placed])
    delivered = head[i_delivered] if i_delivered >= 0 else ""
    delivered_at = _when(delivered) if delivered else None
    if delivered_at is not None and delivered_at < placed_at:
        raise Doubt
    ship_to: dict[str, Any] = {"country": _country(head[i_country])}
    for part, field in SHIP_TO:
        i = at[field]
        if i >= 0 and (value := head[i]):
            ship_to[part] = value  # extra keys of AddressIn: kept as written

    lines: list[tuple[Any, ...]] = []  # as LINE_KEYS
    ids: set[str] = set()
    goods = 0
    for position, r in enumerate(rows):
        tags_text = r[i_tags] if i_tags >= 0 else ""
        if tags_text:
            found = {t for t in tags_text.replace(",", ";").split(";") if t.strip()}
            if not KNOWN_TAGS.issuperset(found):
                raise Doubt
            tags: tuple[str, ...] = tuple(sorted(found))
        else:
            tags = ()
        hs_code: str | None = r[i_hs] if i_hs >= 0 else ""
        if hs_code:
            try:
                hs_code = LineIn._hs(_text(hs_code, 64))
            except ValueError:
                raise Doubt from None
        else:
            hs_code = None
        origin = r[i_origin] if i_origin >= 0 else ""
        weight = r[i_weight] if i_weight >= 0 else ""
        quantity = _count(r[i_quantity])
        if quantity > 100_000:
            raise Doubt
        unit_price = _minor(r[i_price], exp)
        tax = _minor(r[i_tax], exp) if i_tax >= 0 else 0
        line_id = _text(r[i_line_id], 64)
        ids.add(line_id)
        lines.append(
            (
                position,
                line_id,
                _text(r[i_sku], 64),
                _text(r[i_title], 300),
                _text(r[i_category], 64),
                tags,
                quantity,
                unit_price,
                tax,
                hs_code,
                _country(origin) if origin else None,
                _count(weight) if weight else None,
            )
        )
        goods += unit_price * quantity + tax
    if len(ids) != len(lines):
        raise Doubt
    shipping = _minor(head[i_shipping], exp) if i_shipping >= 0 else 0
    discount = _minor(head[i_discount], exp) if i_discount >= 0 else 0
    if discount > goods:
        raise Doubt
    tender_type = (head[i_payment] if i_payment >= 0 else "") or "card"
    charge = (head[i_charge] if i_charge >= 0 else "") or None
    if tender_type not in TENDER_TYPES or (charge is not None and len(charge) > 64):
        raise Doubt  # TenderIn does not strip: its values are taken as they are
    export_reference = head[i_export] if i_export >= 0 else ""
    locale = head[i_locale] if i_locale >= 0 else ""
    channel = head[i_channel] if i_channel >= 0 else ""
    name = _text(head[i_name], 200)
    return NewOrder(
        number,
        (email, name, _text(phone, 40) if phone else None, _locale(locale or "en")),
        (  # as ORDER_KEYS
            currency,
            placed_at,
            delivered_at,
            _text(channel or "web", 32),
            ship_to["country"],
            shipping,
            discount,
            False,  # insurance: not in the file
            False,
            _text(export_reference, 64) if export_reference else None,
        ),
        ship_to,
        tuple(lines),
        ((0, tender_type, goods + shipping - discount, charge),),  # as TENDER_KEYS
    )
