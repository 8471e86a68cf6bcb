"""The product catalogue: merchants upsert their variants and prices; exchanges are priced from it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Product
from db.repositories.catalogue import get_product, variants
from domain.customs.hs import parse_hs
from domain.errors import InvalidInput, NotFound
from domain.money import Money, is_currency
from services.customs import known_subheading


class ProductInput(BaseModel):
    """`PUT /api/v1/products/{sku}`: a variant, its product (the group of sizes and colours) and gross prices."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    product: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    variant: str | None = Field(default=None, max_length=100)
    category: str = Field(min_length=1, max_length=64)
    prices: dict[str, int] = Field(min_length=1)  # minor units per currency, tax included
    active: bool = True
    hs_code: str | None = None  # declares returned items whose order line has none (cross-border returns)

    @field_validator("hs_code")
    @classmethod
    def _hs_code(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            hs = parse_hs(value)
        except InvalidInput:
            raise ValueError("an HS code has 6, 8 or 10 digits, e.g. 6109.10 or 610910") from None
        if not known_subheading(hs.subheading):
            raise ValueError(f"{hs.subheading} is not in the WCO nomenclature")
        return hs.digits

    @field_validator("prices", mode="before")
    @classmethod
    def _prices(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError('give prices as {"CNY": 25900} in minor units')
        out: dict[str, int] = {}
        for code, minor in value.items():
            code = str(code).strip().upper()
            if not is_currency(code):
                raise ValueError(f"'{code}' is not an ISO-4217 currency code")
            if isinstance(minor, bool) or not isinstance(minor, int) or minor <= 0:
                raise ValueError(f"the {code} price must be a positive integer number of minor units")
            out[code] = minor
        return dict(sorted(out.items()))


def product_view(p: Product) -> dict[str, Any]:
    return {
        "sku": p.sku,
        "product": p.product,
        "title": p.title,
        "variant": p.variant,
        "category": p.category,
        "prices": [{"amount": minor, "currency": cur} for cur, minor in sorted(p.prices.items())],
        "active": p.active,
        "hs_code": p.hs_code,
    }


async def upsert_product(session: AsyncSession, sku: str, data: ProductInput) -> tuple[Product, bool]:
    """Create the variant or replace its details and prices; True when it is new. Flushes."""
    product = await get_product(session, sku)
    created = product is None
    if product is None:
        product = Product(sku=sku)
        session.add(product)
    product.product, product.title, product.variant = data.product, data.title, data.variant
    product.category, product.prices, product.active = data.category, data.prices, data.active
    product.hs_code = data.hs_code
    await session.flush()
    return product, created


async def read_product(session: AsyncSession, sku: str) -> Product:
    product = await get_product(session, sku)
    if product is None:
        raise NotFound(f"there is no product with SKU {sku}", code="product_not_found")
    return product


def price_in(product: Product, currency: str) -> Money | None:
    """Today's gross price of the variant in `currency`, or None when it is not sold in that currency."""
    minor = product.prices.get(currency)
    return Money(int(minor), currency) if minor is not None else None


async def exchange_options(session: AsyncSession, sku: str, currency: str) -> list[Product]:
    """Other active variants of the product `sku` belongs to, priced in `currency` (what a customer can swap
    a bought item for); empty when the SKU is not in the catalogue."""
    bought = await get_product(session, sku)
    if bought is None:
        return []
    return [p for p in await variants(session, bought.product) if p.sku != sku and currency in p.prices]
