"""Dated FX for customs values: the bundled ECB rate is stored on first use and never changes afterwards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from db.models import FxRate as FxRow
from domain.errors import InvalidInput
from services.fx import enter_rate, rate_on


async def test_a_weekend_uses_fridays_published_rate_and_keeps_it(sessionmaker):
    async with sessionmaker() as s:
        saturday = date(2026, 3, 7)
        rate = await rate_on(s, "HKD", "CNY", saturday)
        assert rate.source == "ECB 2026-03-06" and rate.on == saturday
        await s.commit()
    async with sessionmaker() as s:
        row = await s.get(FxRow, 1)
        assert row is not None and row.rate == rate.rate and row.source == "ECB 2026-03-06"
        row.rate = Decimal("0.9")  # whatever is stored is what the declaration was valued at
        await s.commit()
    async with sessionmaker() as s:
        assert (await rate_on(s, "HKD", "CNY", saturday)).rate == Decimal("0.9")


async def test_currencies_the_ecb_does_not_publish_need_a_rate_from_finance(sessionmaker):
    async with sessionmaker() as s:
        with pytest.raises(InvalidInput, match="finance can enter it"):
            await rate_on(s, "CNY", "TWD", date(2026, 3, 2))
        await enter_rate(s, "CNY", "TWD", date(2026, 3, 2), Decimal("4.41"))
        rate = await rate_on(s, "CNY", "TWD", date(2026, 3, 2))
        assert (rate.rate, rate.source) == (Decimal("4.41"), "manual")


async def test_same_currency_needs_no_rate(sessionmaker):
    async with sessionmaker() as s:
        assert (await rate_on(s, "CNY", "CNY", date(2026, 3, 2))).rate == 1
