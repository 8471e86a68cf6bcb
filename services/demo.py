"""Demo data for `rebound dev`: a small catalogue of orders across markets, the sizes of a demo order's T-shirt
for exchanges, one staff user per role, a key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories.access import get_staff_user
from services.access import ROLES, SCOPES, create_api_key, create_staff_user
from services.catalogue import ProductInput, upsert_product
from services.order_input import OrderInput
from services.orders import upsert_order

# (charge_id or None) for an amount: the dev stack creates the charge at the sandbox payment provider.
Charger = Callable[[int, str, str], Awaitable[str | None]]


@dataclass(frozen=True)
class DemoOrder:
    number: str
    country: str
    currency: str
    email: str
    locale: str
    delivered_days_ago: int | None
    lines: list[dict[str, Any]]
    shipping: int = 0
    discount: int = 0
    insurance: tuple[bool, bool] = (False, False)


def _line(
    line_id: str,
    sku: str,
    title: str,
    category: str,
    price: int,
    qty: int = 1,
    tax: int = 0,
    tags: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": line_id,
        "sku": sku,
        "title": title,
        "category": category,
        "quantity": qty,
        "unit_price": price,
        "tax": tax,
        "tags": tags or [],
        **extra,
    }


CATALOGUE = [
    DemoOrder(
        "CN-1001",
        "CN",
        "CNY",
        "li.wei@example.cn",
        "zh-Hans",
        3,
        [
            _line(
                "1",
                "TSHIRT-M",
                "纯棉T恤 M码",
                "apparel",
                9900,
                2,
                0,
                hs_code="610910",
                weight_g=250,
            ),
            _line("2", "MUG-01", "陶瓷马克杯", "home", 4900),
        ],
        shipping=1000,
        discount=1000,
        insurance=(True, False),
    ),
    DemoOrder(
        "CN-1002",
        "CN",
        "CNY",
        "zhang.min@example.cn",
        "zh-Hans",
        20,
        [_line("1", "HEADPHONES", "无线耳机", "electronics", 59900, tags=["three_guarantees"])],
    ),
    DemoOrder(
        "CN-1003",
        "CN",
        "CNY",
        "li.wei@example.cn",
        "zh-Hans",
        2,
        [
            _line("1", "FRESH-MANGO", "新鲜芒果 2kg", "grocery", 8800, tags=["perishable"]),
            _line("2", "SALE-JACKET", "清仓夹克", "apparel", 29900, tags=["final_sale"]),
        ],
    ),
    DemoOrder(
        "TW-2001",
        "TW",
        "TWD",
        "chen.yu@example.tw",
        "zh-Hant",
        4,
        [_line("1", "SNEAKER-42", "運動鞋 42號", "shoes", 289000, tax=13762, weight_g=900)],
        shipping=12000,
        insurance=(True, True),
    ),
    DemoOrder(
        "HK-3001",
        "HK",
        "HKD",
        "wong.ka@example.hk",
        "zh-Hant",
        5,
        [
            _line(
                "1",
                "WATCH-01",
                "智能手錶",
                "electronics",
                249900,
                hs_code="910212",
                origin_country="CN",
                weight_g=300,
            )
        ],
        insurance=(False, True),
    ),
    DemoOrder(
        "DE-4001",
        "DE",
        "EUR",
        "anna.schmidt@example.de",
        "en",
        10,
        [
            _line(
                "1",
                "DRESS-S",
                "Summer dress S",
                "apparel",
                7995,
                tax=1277,
                hs_code="620443",
                origin_country="CN",
                weight_g=400,
            ),
            _line("2", "SCARF", "Silk scarf", "accessories", 3995, tax=638),
        ],
        shipping=495,
    ),
    DemoOrder(
        "DE-4002",
        "DE",
        "EUR",
        "jonas.weber@example.de",
        "en",
        40,
        [_line("1", "BOOTS-43", "Leather boots 43", "shoes", 15900, tax=2539)],
    ),
    DemoOrder(
        "US-5001",
        "US",
        "USD",
        "sam.jones@example.com",
        "en",
        12,
        [
            _line("1", "JEANS-32", "Slim jeans 32", "apparel", 6900, 2, 1104),
            _line("2", "GIFT-50", "Gift card $50", "gift_cards", 5000, tags=["gift_card"]),
        ],
        shipping=599,
    ),
    DemoOrder(
        "US-5002",
        "US",
        "USD",
        "kim.lee@example.com",
        "en",
        None,
        [_line("1", "LAMP-01", "Desk lamp", "home", 4500, tax=360)],
    ),
    DemoOrder(
        "JP-6001",
        "JP",
        "JPY",
        "sato.k@example.jp",
        "en",
        6,
        [_line("1", "KETTLE", "Electric kettle", "home", 6980, tax=698)],
    ),
]


# CN-1001's T-shirt (TSHIRT-M) in its other sizes, priced in every demo currency, so an exchange can be tried:
# S at the same price, L a little dearer (the difference is charged). The sandbox warehouse stocks any SKU it was
# never told about (`default_stock`); `PUT /warehouse/stock/TSHIRT-L {"on_hand": 0}` shows the out-of-stock path.
_TSHIRT_PRICES = {"CNY": 9900, "TWD": 45000, "HKD": 10900, "EUR": 1295, "USD": 1395, "JPY": 1980}
_TSHIRT_L_PRICES = {"CNY": 10900, "TWD": 49000, "HKD": 11900, "EUR": 1395, "USD": 1495, "JPY": 2180}
PRODUCTS = {
    "TSHIRT-S": ("S", _TSHIRT_PRICES),
    "TSHIRT-M": ("M", _TSHIRT_PRICES),
    "TSHIRT-L": ("L", _TSHIRT_L_PRICES),
}


async def load_products(session: AsyncSession) -> int:
    """Upsert the demo T-shirt's sizes into the product catalogue exchanges are priced from."""
    for sku, (variant, prices) in PRODUCTS.items():
        data = ProductInput(product="TSHIRT", title="纯棉T恤", variant=variant, category="apparel", prices=prices)
        await upsert_product(session, sku, data)
    return len(PRODUCTS)


def _payload(demo: DemoOrder, now: datetime, charge_id: str | None, total: int) -> dict[str, Any]:
    delivered = now - timedelta(days=demo.delivered_days_ago) if demo.delivered_days_ago is not None else None
    placed = (delivered or now) - timedelta(days=3)
    return {
        "number": demo.number,
        "currency": demo.currency,
        "placed_at": placed.isoformat(),
        "delivered_at": delivered.isoformat() if delivered else None,
        "customer": {
            "email": demo.email,
            "name": demo.email.split("@")[0].replace(".", " ").title(),
            "locale": demo.locale,
        },
        "ship_to": {
            "country": demo.country,
            "line1": "Demo address 1",
            "city": "Demo City",
            "postal_code": "000000",
        },
        "lines": demo.lines,
        "shipping": demo.shipping,
        "discounts": [{"code": "WELCOME", "amount": demo.discount}] if demo.discount else [],
        "tenders": [{"type": "card", "amount": total, "provider_charge_id": charge_id}],
        "insurance": {"shipping_fee": demo.insurance[0], "transit": demo.insurance[1]},
        "export_reference": f"EX-{demo.number}" if demo.lines[0].get("hs_code") else None,
    }


async def load_orders(session: AsyncSession, charge: Charger | None = None, *, now: datetime | None = None) -> int:
    """Upsert the demo orders (delivery dates relative to now), charging each order once at the sandbox, and the
    products their exchanges are priced from."""
    now = now or datetime.now(UTC)
    await load_products(session)
    for demo in CATALOGUE:
        total = sum(li["unit_price"] * li["quantity"] + li["tax"] for li in demo.lines) + demo.shipping - demo.discount
        charge_id = await charge(total, demo.currency, demo.number) if charge else None
        data = OrderInput.model_validate(_payload(demo, now, charge_id, total))
        await upsert_order(session, data)
    return len(CATALOGUE)


async def ensure_staff(session: AsyncSession, password: str | None, new_password: Callable[[], str]) -> dict[str, str]:
    """One user per role. Returns the passwords it set; an existing user keeps theirs unless one is given."""
    created: dict[str, str] = {}
    for role in ROLES:
        if password is None and await get_staff_user(session, role) is not None:
            continue
        secret = password or new_password()
        await create_staff_user(session, role, secret, role)
        created[role] = secret
    return created


async def ensure_api_key(session: AsyncSession, raw: str | None) -> str:
    return await create_api_key(session, "demo storefront (all scopes)", list(SCOPES), raw=raw)
