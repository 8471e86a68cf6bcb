"""What a return really costs, booked end to end: the return label's postage, the refund with the restocking fee it
kept back (and the label fee, when the customer pays postage), and the goods recovered in stock at inspection, each
a balanced ledger movement on the case, read back by finance's cost of returns and trial balance."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from core.settings import Settings
from tests.support.builders import line
from tests.support.ledger import assert_books_balance, ledger_of
from tests.support.policies import with_policy
from tests.support.stack import Stack, running_stack

# Two items of 500 g (the default weight) in one parcel: the sandbox carrier bills 5.00 + 2 x 1.00 per half kilo.
LABEL_USD = 700


@pytest.fixture
async def fee_merchant(e2e_settings: Settings, temporal_client: Client, tmp_path: Path) -> AsyncIterator[Stack]:
    """A merchant outside any statutory window (the US, under the default rules) that keeps a 10% restocking fee
    on opened goods returned by the customer's choice, and charges 4.50 for its label when the customer pays."""
    settings = with_policy(
        e2e_settings, tmp_path, "restocking-fee", restocking_fee_bp=1_000, return_label_fee={"USD": 450}
    )
    async with running_stack(settings, temporal_client) as running:
        yield running


async def _returned(stack: Stack, items: list[dict[str, Any]], grades: dict[str, str]) -> str:
    """A US order of a jacket (100.00) and a belt (50.00), both sent back, graded and refunded."""
    order = await stack.order(
        country="US",
        currency="USD",
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        lines=[line("L1", sku="JACKET", unit_price=10_000), line("L2", sku="BELT", unit_price=5_000)],
    )
    created = await stack.open_return(order, items=items)
    assert created.status_code == 201 and created.json()["decision"] == "approve", created.text
    number = str(created.json()["number"])
    await stack.reach(number, "awaiting_shipment")
    tracking = (await stack.case(number))["shipments"][0]["tracking_number"]
    await stack.advance(tracking, "delivered")
    await stack.reach(number, "received")
    graded = await stack.api.post(
        f"/api/v1/returns/{number}/inspection",
        json={"items": [{"line_id": k, "grade": g} for k, g in grades.items()]},
        headers=await stack.staff("agent"),
    )
    assert graded.status_code == 200, graded.text
    await stack.reach(number, "completed")
    return number


async def _finance(stack: Stack, number: str) -> tuple[dict[str, int], dict[str, Any]]:
    """The case's cost of return by component (non-zero ones) and today's trial balance in USD, as finance sees."""
    finance = await stack.staff("finance")
    one = (await stack.api.get(f"/api/v1/finance/cases/{number}", headers=finance)).json()
    parts = {c: m["amount"] for c, m in one["costs"]["parts"].items() if m["amount"]}
    books = (await stack.api.get("/api/v1/finance/trial-balance", headers=finance)).json()
    [usd] = [b for b in books["currencies"] if b["currency"] == "USD"]
    return {**parts, "total": one["costs"]["total"]["amount"]}, usd


async def test_a_restocking_fee_refund_with_postage_the_merchant_pays(fee_merchant: Stack) -> None:
    stack = fee_merchant
    items = [
        {"line_id": "L1", "quantity": 1, "reason": "wrong_size"},  # the customer's choice: the fee may apply
        {"line_id": "L2", "quantity": 1, "reason": "defective"},  # the merchant's fault: it pays the parcel's postage
    ]
    number = await _returned(stack, items, {"L1": "B", "L2": "A"})  # the jacket opened, the faulty belt unused

    case = await stack.case(number)
    [refund] = case["refunds"]
    assert refund["amount"] == {"amount": 9_000 + 5_000, "currency": "USD"}  # the jacket less its 10.00 fee
    assert [(p["amount"], p["status"]) for p in await stack.provider_refunds(refund["id"])] == [(14_000, "succeeded")]
    assert [i["inspection"]["disposition"] for i in case["items"]] == ["open_box", "return_to_vendor"]
    assert await ledger_of(stack, number) == {
        "return_postage": [("returns:return_postage", LABEL_USD), ("liability:carrier", -LABEL_USD)],
        "disposition": [("inventory:returned_goods", 8_000), ("returns:disposition_recovered", -8_000)],
        "refund": [("returns:refunds", 14_000), ("cash:payment_provider", -14_000)],
        "restocking_fee": [("returns:refunds", 1_000), ("revenue:restocking_fees", -1_000)],
    }
    costs, usd = await _finance(stack, number)
    assert costs == {
        "return_postage": LABEL_USD,
        "refunds": 15_000,  # paid 140.00 + 10.00 kept back: what the goods returned were worth
        "fees_kept": -1_000,
        "disposition_recovered": -8_000,  # the jacket sold open box at 80% of its price; the belt goes to the vendor
        "total": LABEL_USD + 14_000 - 8_000,
    }
    assert usd["balanced"] and usd["debits"] == usd["credits"]
    await assert_books_balance(stack, booked=[number])


async def test_postage_the_customer_pays_comes_back_out_of_the_refund(fee_merchant: Stack) -> None:
    stack = fee_merchant
    items = [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}]
    number = await _returned(stack, items, {"L1": "A"})  # unopened: no fee, back on the shelf as new

    [refund] = (await stack.case(number))["refunds"]
    assert refund["amount"] == {"amount": 10_000 - 450, "currency": "USD"}  # the label fee deducted
    ledger = await ledger_of(stack, number)
    label = 1 * 100 + 500  # one item this time: one half kilo
    assert ledger["return_postage"] == [
        ("returns:return_postage", label),
        ("liability:carrier", -label),
        ("returns:refunds", 450),
        ("revenue:return_postage", -450),
    ]
    assert "restocking_fee" not in ledger
    costs, usd = await _finance(stack, number)
    assert costs == {
        "return_postage": label - 450,  # the carrier's bill less what the customer paid for the label
        "refunds": 10_000,  # paid 95.50 + 4.50 kept back
        "disposition_recovered": -10_000,  # restocked as new at the price paid
        "total": label - 450,
    }
    assert usd["balanced"]
    await assert_books_balance(stack, booked=[number])
