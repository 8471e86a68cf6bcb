"""The demo data lets an exchange be tried: CN-1001's T-shirt has other sizes in the catalogue, priced in every
demo order's currency, and loading the demo twice changes nothing."""

from __future__ import annotations

import pytest

from services.catalogue import exchange_options
from services.demo import CATALOGUE, PRODUCTS, load_orders


@pytest.mark.parametrize("db_template", ["sqlite"], indirect=True)
async def test_a_demo_orders_tshirt_can_be_exchanged_for_another_size(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        assert await load_orders(s) == len(CATALOGUE)
        assert await load_orders(s) == len(CATALOGUE)  # `make dev` again: upserts, no duplicates
        await s.commit()
        bought = {li["sku"] for o in CATALOGUE for li in o.lines}
        assert "TSHIRT-M" in bought and "TSHIRT-M" in PRODUCTS
        options = await exchange_options(s, "TSHIRT-M", "CNY")
        assert [(p.sku, p.prices["CNY"]) for p in options] == [("TSHIRT-L", 10_900), ("TSHIRT-S", 9_900)]
    currencies = {o.currency for o in CATALOGUE}
    assert all(currencies <= set(prices) for _, prices in PRODUCTS.values())
