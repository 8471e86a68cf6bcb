"""Repairs end to end on the real dev server, worker, API and sandbox partners: the item goes straight to the
repair centre on the return label, the centre's verdict arrives by signed webhook, and the case follows it —
repaired and sent back, not repairable and replaced from stock, out of warranty with a quote the customer
accepts (charged once, booked) or declines (sent back as it was)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import MailOutbox
from tests.e2e.test_exchanges import available, goods_reach, stock
from tests.support.builders import line
from tests.support.ledger import assert_books_balance, ledger_of
from tests.support.stack import Stack


async def send_for_repair(stack: Stack, *, sku: str = "KETTLE-1") -> tuple[str, str]:
    """A customer returns a defective kettle for repair and hands the parcel to the carrier, which delivers it to
    the repair centre. The case number and the customer's token."""
    order = await stack.order(lines=[line("L1", sku=sku, unit_price=30_000)])
    created = await stack.open_return(order, reason="defective", resolution="repair")
    assert created.status_code == 201, created.text
    number, token = created.json()["number"], created.json()["customer_token"]
    await stack.reach(number, "awaiting_shipment")
    [label] = (await stack.case(number))["shipments"]
    await stack.advance(label["tracking_number"], "delivered")
    await goods_reach(stack, number, "at_repair_centre")
    return number, token


async def centre_order(stack: Stack, number: str) -> dict[str, Any]:
    [order] = (await stack.sandbox.get("/repair/orders", params={"reference": f"repair-{number}"})).json()
    return dict(order)


async def decide(stack: Stack, number: str, outcome: str, **body: Any) -> None:
    order = await centre_order(stack, number)
    got = await stack.sandbox.post(f"/repair/orders/{order['id']}/decide", json={"outcome": outcome, **body})
    assert got.status_code == 200, got.text
    await stack.sandbox_app.state.sandbox.quiet()  # the verdict's webhook has been delivered


async def parcel_back_arrives(stack: Stack, number: str) -> dict[str, Any]:
    case = await stack.case(number)
    [back] = [s for s in case["shipments"] if s["direction"] == "outbound"]
    await stack.advance(back["tracking_number"], "delivered")
    await stack.reach(number, "completed")
    return await stack.case(number)


async def test_a_repaired_item_comes_back_and_the_case_closes_without_money(stack: Stack) -> None:
    number, _ = await send_for_repair(stack)
    case = await stack.case(number)
    assert case["status"] == "repairing" and case["repair"]["status"] == "at_repair_centre"
    centre = await centre_order(stack, number)
    assert (centre["sku"], centre["case_number"]) == ("KETTLE-1", number)
    label = stack.sandbox_app.state.sandbox.store.shipment(case["shipments"][0]["tracking_number"])
    assert label.to_address["name"] == "Rebound Repair Centre"  # the label went straight to the centre
    await decide(stack, number, "repaired", note="replaced the thermostat")
    await goods_reach(stack, number, "repaired")
    case = await parcel_back_arrives(stack, number)
    assert case["repair"]["status"] == "delivered"
    types = [e["type"] for e in case["timeline"]]
    assert types.index("repair.at_repair_centre") < types.index("repair.repaired") < types.index("outbound.delivered")
    assert case["refunds"] == [] and await stack.provider_refunds(f"refund-{number}-1-0") == []
    async with stack.sessionmaker() as s:  # the customer hears the item is on its way back
        mails = (await s.scalars(select(MailOutbox.template).where(MailOutbox.template == "goods_shipped"))).all()
    assert mails == ["goods_shipped"]
    assert set(await ledger_of(stack, number)) == {"return_postage"}  # the label to the centre, nothing else
    await assert_books_balance(stack)


async def test_an_item_that_cannot_be_repaired_is_replaced_from_stock(stack: Stack) -> None:
    await stock(stack, "KETTLE-2", 2)
    number, _ = await send_for_repair(stack, sku="KETTLE-2")
    await decide(stack, number, "not_repairable", note="the heating element is burnt out")
    await goods_reach(stack, number, "shipped")  # a new kettle, as the policy says
    assert await available(stack, "KETTLE-2") == 1
    case = await parcel_back_arrives(stack, number)
    assert case["repair"]["status"] == "not_repairable"
    [x] = case["exchanges"]
    assert (x["kind"], x["status"], x["items"][0]["sku"]) == ("replacement", "delivered", "KETTLE-2")
    assert (x["to_charge"]["amount"], x["to_refund"]["amount"]) == (0, 0)
    types = [e["type"] for e in case["timeline"]]
    assert types.index("repair.not_repairable") < types.index("exchange.shipped")
    assert case["refunds"] == []  # replaced even: no money moved but the label to the centre
    assert set(await ledger_of(stack, number)) == {"return_postage"}
    await assert_books_balance(stack)


async def test_an_unrepairable_item_out_of_stock_is_refunded(stack: Stack) -> None:
    await stock(stack, "KETTLE-3", 0)
    number, token = await send_for_repair(stack, sku="KETTLE-3")
    await decide(stack, number, "not_repairable")
    await goods_reach(stack, number, "out_of_stock")
    chose = await stack.api.post(
        f"/api/v1/returns/{number}/exchange-choice",
        json={"choice": "refund"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert chose.status_code == 200, chose.text
    await stack.reach(number, "completed")
    [refund] = await stack.provider_refunds(f"refund-{number}-1-0")
    assert (refund["amount"], refund["status"]) == (30_000, "succeeded")
    await assert_books_balance(stack, booked=[number])


async def test_an_accepted_out_of_warranty_quote_is_charged_once_then_repaired(stack: Stack) -> None:
    number, token = await send_for_repair(stack)
    await decide(stack, number, "out_of_warranty", quote={"amount": 8_800, "currency": "CNY"}, note="dropped")
    view = await goods_reach(stack, number, "quoted")
    assert view.repair == "quoted"
    case = await stack.case(number)
    assert case["repair"]["quote"] == {"amount": 8_800, "currency": "CNY"} and case["repair"]["answer_by"]
    as_customer = {"Authorization": f"Bearer {token}"}
    accepted = await stack.api.post(
        f"/api/v1/returns/{number}/repair-quote", json={"accepted": True}, headers=as_customer
    )
    assert accepted.status_code == 200, accepted.text
    again = await stack.api.post(
        f"/api/v1/returns/{number}/repair-quote", json={"accepted": False}, headers=as_customer
    )
    assert again.status_code == 409 and "no repair quote" in again.json()["detail"]
    await goods_reach(stack, number, "repairing")  # paid, and the centre told to go ahead
    centre = await centre_order(stack, number)
    assert centre["status"] == "repairing"
    await decide(stack, number, "repaired")
    await goods_reach(stack, number, "repaired")
    await parcel_back_arrives(stack, number)
    charge_id = (await stack.case(number))["repair"]["charge_id"]
    charge = (await stack.sandbox.get(f"/payments/charges/{charge_id}")).json()
    assert (charge["amount"], charge["currency"]) == (8_800, "CNY")
    assert (await ledger_of(stack, number))["repair_fee"] == [
        ("cash:payment_provider", 8_800),
        ("revenue:repairs", -8_800),
    ]
    await assert_books_balance(stack, booked=[number])


async def test_a_declined_quote_sends_the_item_back_unrepaired_and_charges_nothing(stack: Stack) -> None:
    number, token = await send_for_repair(stack)
    await decide(stack, number, "out_of_warranty", quote={"amount": 8_800, "currency": "CNY"})
    await goods_reach(stack, number, "quoted")
    declined = await stack.api.post(
        f"/api/v1/returns/{number}/repair-quote", json={"accepted": False}, headers={"Authorization": f"Bearer {token}"}
    )
    assert declined.status_code == 200, declined.text
    await goods_reach(stack, number, "returned_unrepaired")
    case = await parcel_back_arrives(stack, number)
    assert case["repair"]["status"] == "delivered"
    assert "repair.quote_declined" in [e["type"] for e in case["timeline"]]
    assert case["repair"]["charge_id"] is None and case["repair"]["quote_answer"] == "declined"
    assert set(await ledger_of(stack, number)) == {"return_postage"}  # the label to the centre, nothing else
    await assert_books_balance(stack)
