"""Exchanges and replacements end to end on the real dev server, worker, API and sandbox partners: stock held at
the warehouse from approval, the new goods shipped after the old ones pass inspection, price differences charged
or refunded, out of stock answered by the customer, a cancelled case giving its stock back, a replacement the
warehouse cannot ship refunded instead, a plain replacement for a faulty item, a customer who waits for stock
that comes back (the daily restock check on a fast-forwarded clock), and an instant exchange's hold, voided when
the return arrives in time and captured when it never does. Every path ends with the books balanced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from db.models import Exchange, MailOutbox
from tests.support.builders import line
from tests.support.ledger import assert_books_balance, ledger_of
from tests.support.stack import Stack, running_stack
from workflows.contracts import CaseView, case_workflow_id, exchange_workflow_id


async def goods_reach(stack: Stack, number: str, *states: str) -> CaseView:
    """Wait (a workflow update, no polling) until the case's exchange or repair is in one of `states`."""
    handle = stack.temporal.get_workflow_handle(case_workflow_id(number))
    async with asyncio.timeout(60):
        view: CaseView = await handle.execute_update("wait_for_goods", list(states), result_type=CaseView)
    return view


async def catalogue(stack: Stack, sku: str, price: int, *, product: str = "TEE", variant: str = "M") -> None:
    body = {"product": product, "title": f"Tee {variant}", "variant": variant, "category": "apparel"}
    got = await stack.api.put(f"/api/v1/products/{sku}", json={**body, "prices": {"CNY": price}})
    assert got.status_code in (200, 201), got.text


async def stock(stack: Stack, sku: str, on_hand: int, *, shippable: bool = True) -> None:
    got = await stack.sandbox.put(f"/warehouse/stock/{sku}", json={"on_hand": on_hand, "shippable": shippable})
    assert got.status_code == 200, got.text


async def available(stack: Stack, sku: str) -> int:
    return int((await stack.sandbox.get(f"/warehouse/stock/{sku}")).json()["available"])


async def tee_order(stack: Stack, *, price: int = 10_000, **kwargs: Any) -> dict[str, Any]:
    """An order of one medium tee, with the tee's sizes in the catalogue and the warehouse."""
    await catalogue(stack, "TEE-M", price)
    await catalogue(stack, "TEE-L", price, variant="L")
    return await stack.order(lines=[line("L1", sku="TEE-M", unit_price=price)], **kwargs)


async def exchange_for_customer(stack: Stack, order: dict[str, Any], sku: str) -> tuple[str, dict[str, str]]:
    """The customer asks to exchange the order's line L1 for `sku`: the case number, and the headers of the
    customer's own link (their token) for answering the case's questions."""
    body = {
        "order_number": order["number"],
        "email": order["customer"]["email"],
        "items": [{"line_id": "L1", "quantity": 1, "reason": "wrong_size"}],
        "resolution": "exchange",
        "exchange_items": [{"line_id": "L1", "sku": sku}],
    }
    created = await stack.api.post("/api/v1/returns", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["number"]), {"Authorization": f"Bearer {created.json()['customer_token']}"}


async def exchange(stack: Stack, order: dict[str, Any], sku: str) -> str:
    number, _ = await exchange_for_customer(stack, order, sku)
    return number


async def return_arrives(stack: Stack, number: str, grade: str = "A") -> None:
    await stack.reach(number, "awaiting_shipment")
    tracking = (await stack.case(number))["shipments"][0]["tracking_number"]
    await stack.advance(tracking, "delivered")
    await stack.reach(number, "received")
    await stack.inspect(number, grade)


async def deliver_new_goods(stack: Stack, number: str) -> dict[str, Any]:
    await goods_reach(stack, number, "shipped")
    case = await stack.case(number)
    [outbound] = [s for s in case["shipments"] if s["direction"] == "outbound"]
    await stack.advance(outbound["tracking_number"], "delivered")
    await stack.reach(number, "completed")
    return await stack.case(number)


async def test_another_size_at_the_same_price_is_held_then_shipped_after_inspection(stack: Stack) -> None:
    order = await tee_order(stack)
    await stock(stack, "TEE-L", 5)
    number = await exchange(stack, order, "TEE-L")
    await goods_reach(stack, number, "reserved")
    assert await available(stack, "TEE-L") == 4  # held while the old tee travels back
    assert not [s for s in (await stack.case(number))["shipments"] if s["direction"] == "outbound"]
    await return_arrives(stack, number)
    case = await deliver_new_goods(stack, number)
    [x] = case["exchanges"]
    assert (x["status"], x["items"][0]["sku"], x["to_charge"]["amount"], x["to_refund"]["amount"]) == (
        "delivered",
        "TEE-L",
        0,
        0,
    )
    types = [e["type"] for e in case["timeline"]]
    assert types.index("inspected") < types.index("exchange.shipped") < types.index("outbound.delivered")
    assert await stack.provider_refunds(number) == [] and case["refunds"] == []  # no money moved
    assert (await stack.sandbox.get("/warehouse/stock/TEE-L")).json()["on_hand"] == 4
    assert set(await ledger_of(stack, number)) == {"return_postage"}  # the return label only: goods for goods
    await assert_books_balance(stack)


async def test_a_pricier_item_is_charged_the_difference_once_and_booked(stack: Stack) -> None:
    order = await tee_order(stack, price=10_000)
    await catalogue(stack, "HOODIE-M", 15_900, product="HOODIE")
    number = await exchange(stack, order, "HOODIE-M")
    await return_arrives(stack, number)
    case = await deliver_new_goods(stack, number)
    assert case["exchanges"][0]["to_charge"] == {"amount": 5_900, "currency": "CNY"}
    [(cash, charged), (revenue, earned)] = (await ledger_of(stack, number))["exchange_difference"]
    assert (cash, charged, revenue, earned) == ("cash:payment_provider", 5_900, "revenue:exchange_difference", -5_900)
    async with stack.sessionmaker() as s:
        charge_id = (await s.scalars(select(Exchange.charge_id))).one()
    charge = (await stack.sandbox.get(f"/payments/charges/{charge_id}")).json()
    assert (charge["amount"], charge["currency"]) == (5_900, "CNY")
    await assert_books_balance(stack, booked=[number])


async def test_a_cheaper_item_refunds_the_difference_to_the_card(stack: Stack) -> None:
    order = await tee_order(stack, price=10_000)
    await catalogue(stack, "TANK-M", 6_500, product="TANK")
    number = await exchange(stack, order, "TANK-M")
    await return_arrives(stack, number)
    case = await deliver_new_goods(stack, number)
    [refund] = await stack.provider_refunds(f"refund-{number}-1-0")
    assert (refund["amount"], refund["status"]) == (3_500, "succeeded")
    assert [r["amount"]["amount"] for r in case["refunds"]] == [3_500]
    assert (await ledger_of(stack, number))["exchange_difference"][0] == ("returns:exchange_difference", 3_500)
    await assert_books_balance(stack, booked=[number])


async def test_out_of_stock_the_customer_is_asked_and_a_refund_replaces_the_exchange(stack: Stack) -> None:
    order = await tee_order(stack)
    await stock(stack, "TEE-L", 0)
    number, as_customer = await exchange_for_customer(stack, order, "TEE-L")
    await goods_reach(stack, number, "out_of_stock")
    case = await stack.case(number)
    assert case["exchanges"][0]["status"] == "out_of_stock" and case["exchanges"][0]["choose_by"]
    async with stack.sessionmaker() as s:  # the customer is told, with a link to choose
        told = (await s.scalars(select(MailOutbox).where(MailOutbox.template == "exchange_out_of_stock"))).all()
    assert [m.to_address for m in told] == [order["customer"]["email"]]
    chose = await stack.api.post(
        f"/api/v1/returns/{number}/exchange-choice", json={"choice": "refund"}, headers=as_customer
    )
    assert chose.status_code == 200, chose.text
    again = await stack.api.post(
        f"/api/v1/returns/{number}/exchange-choice", json={"choice": "wait"}, headers=as_customer
    )
    assert again.status_code == 409 and "not waiting" in again.json()["detail"]
    await return_arrives(stack, number)
    await stack.reach(number, "completed")
    [refund] = await stack.provider_refunds(f"refund-{number}-1-0")
    assert refund["amount"] == 10_000
    assert (await stack.case(number))["exchanges"][0]["status"] == "refunded_instead"
    await assert_books_balance(stack, booked=[number])


async def restock_check_timer(stack: Stack, number: str) -> list[timedelta]:
    """Follow the exchange's history (the server long-polls it) until the customer's choice has come in and the
    exchange has set a timer to look for stock again; the timers it has started by then, in order."""
    timers: list[timedelta] = []
    chose = False
    handle = stack.temporal.get_workflow_handle(exchange_workflow_id(number))
    async with asyncio.timeout(60):
        async for e in handle.fetch_history_events(wait_new_event=True):
            chose = chose or e.workflow_execution_signaled_event_attributes.signal_name == "choice"
            if e.HasField("timer_started_event_attributes"):
                timers.append(e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta())
                if chose:
                    return timers
    raise AssertionError(f"the exchange of {number} ended without looking for stock again")


async def test_out_of_stock_a_customer_who_waits_gets_the_item_when_stock_comes_back(
    stack: Stack, temporal_env: WorkflowEnvironment
) -> None:
    order = await tee_order(stack)
    await stock(stack, "TEE-L", 0)
    number, as_customer = await exchange_for_customer(stack, order, "TEE-L")
    await goods_reach(stack, number, "out_of_stock")
    chose = await stack.api.post(
        f"/api/v1/returns/{number}/exchange-choice", json={"choice": "wait"}, headers=as_customer
    )
    assert chose.status_code == 200, chose.text
    timers = await restock_check_timer(stack, number)
    assert timers[-1] == timedelta(hours=24)  # the policy's daily look, after (at most) its week to choose
    assert timers[:-1] in ([], [timedelta(days=7)])
    await return_arrives(stack, number)  # the old tee is back and fine, but there is no new one to send yet
    case = await stack.case(number)
    assert case["exchanges"][0]["status"] == "waiting_for_stock"
    assert not [s for s in case["shipments"] if s["direction"] == "outbound"]

    await stock(stack, "TEE-L", 2)  # the warehouse is restocked
    # A day passes on the exchange's own clock: its daily check finds the stock, holds it and ships.
    await temporal_env.fast_forward(stack.temporal.get_workflow_handle(exchange_workflow_id(number)), timers[-1])
    case = await deliver_new_goods(stack, number)
    [x] = case["exchanges"]
    [outbound] = [s for s in case["shipments"] if s["direction"] == "outbound"]
    assert (x["status"], x["items"][0]["sku"], x["tracking_number"]) == (
        "delivered",
        "TEE-L",
        outbound["tracking_number"],
    )
    types = [e["type"] for e in case["timeline"]]
    assert types.index("exchange.out_of_stock") < types.index("exchange.customer_chose") < types.index("inspected")
    assert types.index("inspected") < types.index("exchange.reserved") < types.index("exchange.shipped")
    assert [e["data"]["choice"] for e in case["timeline"] if e["type"] == "exchange.customer_chose"] == ["wait"]
    assert (await stack.sandbox.get("/warehouse/stock/TEE-L")).json()["on_hand"] == 1
    assert case["refunds"] == [] and await stack.provider_refunds(f"refund-{number}-1-0") == []
    assert set(await ledger_of(stack, number)) == {"return_postage"}  # the return label only: goods for goods
    await assert_books_balance(stack)


async def test_a_cancelled_exchange_gives_its_stock_back(stack: Stack) -> None:
    order = await tee_order(stack)
    await stock(stack, "TEE-L", 1)
    number = await exchange(stack, order, "TEE-L")
    await goods_reach(stack, number, "reserved")
    await stack.reach(number, "awaiting_shipment")
    assert await available(stack, "TEE-L") == 0
    agent = await stack.staff("agent")
    cancelled = await stack.api.post(
        f"/api/v1/returns/{number}/cancel", json={"reason": "customer called"}, headers=agent
    )
    assert cancelled.status_code == 200, cancelled.text
    async with asyncio.timeout(60):
        await stack.temporal.get_workflow_handle(case_workflow_id(number)).result()
    assert await available(stack, "TEE-L") == 1
    assert (await stack.case(number))["exchanges"][0]["status"] == "released"
    [(expense, billed), (carrier, owed), *undone] = (await ledger_of(stack, number))["return_postage"]
    assert undone == [(expense, -billed), (carrier, -owed)]  # the label voided unused: its postage reversed
    await assert_books_balance(stack)


async def test_a_defective_item_is_replaced_by_the_same_one_and_no_money_moves(stack: Stack) -> None:
    order = await tee_order(stack)
    await stock(stack, "TEE-M", 2)
    created = await stack.open_return(order, reason="defective", resolution="replacement")
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    await goods_reach(stack, number, "reserved")
    assert await available(stack, "TEE-M") == 1  # a new tee held while the faulty one travels back
    await return_arrives(stack, number)
    case = await deliver_new_goods(stack, number)
    [x] = case["exchanges"]
    assert (x["kind"], x["status"], x["items"][0]["sku"]) == ("replacement", "delivered", "TEE-M")
    assert (x["to_charge"]["amount"], x["to_refund"]["amount"], x["instant"]) == (0, 0, False)
    [outbound] = [s for s in case["shipments"] if s["direction"] == "outbound"]
    assert (x["tracking_number"], outbound["status"]) == (outbound["tracking_number"], "delivered")
    parcel = stack.sandbox_app.state.sandbox.store.shipment(outbound["tracking_number"])
    assert (parcel.to_address["name"], parcel.to_address["line1"]) == ("Mei Lin", order["ship_to"]["line1"])
    types = [e["type"] for e in case["timeline"]]
    assert types.index("inspected") < types.index("exchange.shipped") < types.index("outbound.delivered")
    assert case["status"] == "completed" and types[-1] == "completed"
    async with stack.sessionmaker() as s:  # the customer hears the new one is on its way
        mails = (await s.scalars(select(MailOutbox.template).where(MailOutbox.template == "goods_shipped"))).all()
    assert mails == ["goods_shipped"]
    assert case["refunds"] == [] and await stack.provider_refunds(f"refund-{number}-1-0") == []
    assert (await stack.sandbox.get("/warehouse/stock/TEE-M")).json()["on_hand"] == 1
    assert set(await ledger_of(stack, number)) == {"return_postage"}  # a replacement neither charges nor refunds
    await assert_books_balance(stack)


async def test_a_replacement_the_warehouse_cannot_ship_is_refunded_instead(stack: Stack) -> None:
    order = await tee_order(stack)
    await stock(stack, "TEE-M", 3, shippable=False)  # stock damaged at picking
    created = await stack.open_return(order, reason="defective", resolution="replacement")
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    await goods_reach(stack, number, "reserved")
    await return_arrives(stack, number)
    await stack.reach(number, "completed")
    case = await stack.case(number)
    assert case["exchanges"][0]["status"] == "refunded_instead"
    assert [e["data"]["why"] for e in case["timeline"] if e["type"] == "exchange.refund_instead"] == ["cannot_ship"]
    [refund] = await stack.provider_refunds(f"refund-{number}-1-0")
    assert refund["amount"] == 10_000
    assert await available(stack, "TEE-M") == 3  # the reservation was released
    await assert_books_balance(stack, booked=[number])


async def test_a_replacement_is_refused_for_a_change_of_mind(stack: Stack) -> None:
    order = await tee_order(stack)
    got = await stack.api.post(
        "/api/v1/returns/eligibility",
        json={
            "order_number": order["number"],
            "email": order["customer"]["email"],
            "items": [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}],
            "resolution": "replacement",
        },
    )
    assert got.status_code == 200
    [item] = got.json()["items"]
    assert not item["eligible"] and item["reasons"][0]["code"] == "resolution_not_allowed"
    await assert_books_balance(stack)  # nothing was asked for, so nothing is booked


async def test_an_unknown_or_unsold_sku_is_refused_before_any_case_exists(stack: Stack) -> None:
    order = await tee_order(stack)
    body = {
        "order_number": order["number"],
        "email": order["customer"]["email"],
        "items": [{"line_id": "L1", "quantity": 1, "reason": "wrong_size"}],
        "resolution": "exchange",
        "exchange_items": [{"line_id": "L1", "sku": "NO-SUCH"}],
    }
    got = await stack.api.post("/api/v1/returns", json=body)
    assert got.status_code == 422 and got.json()["fields"] == {"exchange_items.0.sku": "not available"}
    missing = await stack.api.post("/api/v1/returns", json={**body, "exchange_items": []})
    assert missing.status_code == 422 and "exchange_items" in missing.json()["fields"]
    listed = await stack.api.get("/api/v1/returns", headers=await stack.staff("agent"))
    assert listed.json()["items"] == []
    await assert_books_balance(stack)


@pytest.fixture
async def skipping_stack(
    e2e_settings: Settings, temporal_client: Client, skipping_client: Client
) -> AsyncIterator[Stack]:
    """Cases started through the time-skipping client: days pass whenever a case only waits for a timer."""
    async with running_stack(e2e_settings, temporal_client, api_temporal=skipping_client) as running:
        yield running


async def instant_hold(stack: Stack, number: str) -> dict[str, Any]:
    """The authorisation on the customer's card that backs the case's instant exchange, as the provider has it."""
    [hold] = (await stack.sandbox.get("/payments/authorizations", params={"reference": f"exchange-{number}"})).json()
    return dict(hold)


async def instant_exchange_shipped(stack: Stack) -> dict[str, Any]:
    """A trusted customer (orders, no returns) exchanges a tee for another size: the new one ships at once,
    before anything came back, backed by a hold of the returned tee's value. The case as it stands then."""
    email = "trusted@example.com"
    for _ in range(3):
        await stack.order(email=email)
    order = await tee_order(stack, email=email)
    number = await exchange(stack, order, "TEE-L")
    await goods_reach(stack, number, "shipped")
    case = await stack.case(number)
    assert case["exchanges"][0]["instant"] is True
    hold = await instant_hold(stack, number)
    assert (hold["amount"], hold["status"]) == (10_000, "authorized")
    return case


async def test_an_instant_exchange_whose_return_never_arrives_captures_the_hold(skipping_stack: Stack) -> None:
    stack = skipping_stack
    case = await instant_exchange_shipped(stack)
    number = case["number"]
    [outbound] = [s for s in case["shipments"] if s["direction"] == "outbound"]
    await stack.advance(outbound["tracking_number"], "delivered")
    await stack.reach(number, "completed")  # the ship-by deadline passed on the skipped clock
    case = await stack.case(number)
    types = [e["type"] for e in case["timeline"]]
    assert "return_not_received" in types and "cancelled" not in types
    assert (await instant_hold(stack, number))["status"] == "captured"
    assert (await ledger_of(stack, number))["exchange_capture"] == [
        ("cash:payment_provider", 10_000),
        ("revenue:unreturned_exchange", -10_000),
    ]
    await assert_books_balance(stack, booked=[number])


async def test_an_instant_exchange_whose_return_arrives_in_time_voids_the_hold(stack: Stack) -> None:
    case = await instant_exchange_shipped(stack)
    number = case["number"]
    [outbound] = [s for s in case["shipments"] if s["direction"] == "outbound"]
    await stack.advance(outbound["tracking_number"], "delivered")  # the new tee arrives first
    view = await stack.reach(number, "awaiting_shipment", "resolving")
    assert view.status == "awaiting_shipment"  # the customer is still asked for the old tee, by its ship-by date
    await return_arrives(stack, number)  # then the old one, well before its ship-by date, and passes inspection
    await stack.reach(number, "completed")
    case = await stack.case(number)
    hold = await instant_hold(stack, number)
    assert (hold["status"], hold["charge_id"]) == ("voided", None)  # let go, nothing taken from the card
    assert case["exchanges"][0]["hold"] == {"amount": {"amount": 10_000, "currency": "CNY"}, "status": "voided"}
    assert case["exchanges"][0]["status"] == "delivered"
    types = [e["type"] for e in case["timeline"]]
    assert types.index("exchange.shipped") < types.index("inspected") < types.index("exchange.hold_released")
    assert "return_not_received" not in types and "exchange.hold_captured" not in types
    assert case["refunds"] == [] and await stack.provider_refunds(f"refund-{number}-1-0") == []
    assert set(await ledger_of(stack, number)) == {"return_postage"}  # a voided hold never reaches the books
    await assert_books_balance(stack)
