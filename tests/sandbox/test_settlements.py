"""The settlement report lists what really moved, in the provider's decimal major units."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.sandbox.harness import new_charge, running

HEADER = "id,type,amount,fee,net,currency,created,payout_id,reference"


async def _refund(env, charge: str, amount: int, currency: str, key: str) -> dict:
    response = await env.client.post(
        "/payments/refunds",
        headers={"Idempotency-Key": key},
        json={"charge_id": charge, "amount": amount, "currency": currency, "reference": f"ref-{key}"},
    )
    assert response.status_code == 201, response.text
    refund: dict = response.json()
    return refund


async def _report(env, **params: str) -> list[dict[str, str]]:
    response = await env.client.get("/payments/settlements", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0] == HEADER
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_report_rows_match_refunds_created() -> None:
    async with running() as env:
        cny = await new_charge(env.client, amount=12_990, currency="CNY")
        jpy = await new_charge(env.client, amount=5_000, currency="JPY")
        kwd = await new_charge(env.client, amount=10_500, currency="KWD")
        made = [
            await _refund(env, cny, 1_299, "CNY", "a"),
            await _refund(env, jpy, 1_299, "JPY", "b"),
            await _refund(env, kwd, 1_005, "KWD", "c"),
        ]
        await env.sandbox.quiet()
        rows = await _report(env)
        refunds = {r["id"]: r for r in rows if r["type"] == "refund"}
        assert set(refunds) == {r["id"] for r in made}
        by_key = {r["reference"]: r for r in refunds.values()}
        assert (by_key["ref-a"]["amount"], by_key["ref-a"]["currency"]) == ("-12.99", "CNY")
        assert by_key["ref-b"]["amount"] == "-1299"
        assert by_key["ref-c"]["amount"] == "-1.005"
        assert all(r["net"] == r["amount"] and Decimal(r["fee"]) == 0 for r in refunds.values())
        charge_row = next(r for r in rows if r["id"] == cny)
        assert (charge_row["amount"], charge_row["fee"], charge_row["net"]) == ("129.90", "3.77", "126.13")
        assert all(r["created"].endswith("+00:00") for r in rows)
        assert all(r["payout_id"].startswith("po_") for r in rows)


async def test_pending_and_failed_refunds_are_not_settled() -> None:
    async with running() as env:
        charge = await new_charge(env.client)
        await env.client.put("/faults", json={"payments": {"decline_rate": 1.0}})
        await _refund(env, charge, 100, "CNY", "declined")
        await env.sandbox.quiet()
        assert [r["type"] for r in await _report(env)] == ["charge"]


async def test_period_filters_rows() -> None:
    async with running() as env:
        charge = await new_charge(env.client)
        await _refund(env, charge, 100, "CNY", "k")
        await env.sandbox.quiet()
        today = datetime.now(UTC).date()
        assert len(await _report(env, **{"from": str(today), "to": str(today)})) == 2
        assert await _report(env, to=str(today - timedelta(days=1))) == []
        assert await _report(env, **{"from": str(today + timedelta(days=1))}) == []
        bad = await env.client.get("/payments/settlements", params={"from": "yesterday"})
        assert bad.status_code == 400
