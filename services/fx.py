"""Dated FX rates for customs values: the ECB reference rates bundled with `currencyconverter` (offline), kept in
the database once used so a declaration's valuation never changes afterwards; finance may enter others."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from currency_converter import CurrencyConverter, RateNotFoundError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import FxRate as FxRow
from db.repositories.customs import get_fx
from domain.customs.duty import FxRate, identity_rate
from domain.errors import InvalidInput

LOOKBACK_DAYS = 10  # weekends and holidays: use the last rate published on or before the day
PLACES = Decimal("1e-12")


@cache
def _ecb() -> CurrencyConverter:
    # The bundled file only: no download, no interpolation between published days.
    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def ecb_rate(base: str, quote: str, on: date) -> tuple[Decimal, date] | None:
    """The ECB cross rate published on `on` or the closest day before (and the day it was published);
    None if either currency is not quoted."""
    ecb = _ecb()
    if base not in ecb.currencies or quote not in ecb.currencies:
        return None
    # Past the end of the bundled file (it is refreshed with each release) the latest published rate stands.
    start = min(on, ecb.bounds[base].last_date, ecb.bounds[quote].last_date)
    for back in range(LOOKBACK_DAYS + 1):
        day = start - timedelta(days=back)
        try:
            value = ecb.convert(1, base, quote, date=day)
        except RateNotFoundError:
            continue
        return Decimal(repr(value)).quantize(PLACES), day  # floats end here, converted once
    return None


async def rate_on(session: AsyncSession, base: str, quote: str, on: date) -> FxRate:
    """The rate for valuing `base` money in `quote` on `on`; stored the first time it is used."""
    if base == quote:
        return identity_rate(base, on)
    stored = await get_fx(session, on, base, quote)
    if stored is not None:
        return FxRate(base, quote, stored.rate, stored.on_date, stored.source)
    found = ecb_rate(base, quote, on)
    if found is None:
        raise InvalidInput(
            f"no {base}→{quote} rate for {on.isoformat()}: the ECB does not publish one; finance can enter it",
            code="fx_rate_missing",
        )
    rate, published = found
    source = "ECB" if published == on else f"ECB {published.isoformat()}"
    session.add(FxRow(on_date=on, base=base, quote=quote, rate=rate, source=source))
    await session.flush()
    return FxRate(base, quote, rate, on, source)


async def enter_rate(session: AsyncSession, base: str, quote: str, on: date, rate: Decimal) -> None:
    """Finance records a rate the ECB does not publish (e.g. TWD), used from then on for that day."""
    if rate <= 0:
        raise InvalidInput("a rate must be positive", fields={"rate": "must be positive"})
    stored = await get_fx(session, on, base, quote)
    if stored is None:
        session.add(FxRow(on_date=on, base=base, quote=quote, rate=rate.quantize(PLACES), source="manual"))
    else:
        stored.rate, stored.source = rate.quantize(PLACES), "manual"
    await session.flush()
