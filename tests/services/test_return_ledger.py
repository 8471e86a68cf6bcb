"""What a return books besides its refund, written with the events the workflow records (as the projection's
activity writes them): the return label's postage (reversed when voided, converted when billed in another
currency), the restocking fee and label fee a refund kept back, and the goods recovered in stock at inspection."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LedgerEntry, OrderLine, ReturnCase, ReturnItem
from domain.money import Money
from services.fx import rate_on
from services.order_input import OrderInput
from services.orders import upsert_order
from services.projection import apply_event
from services.return_ledger import booked_with, label_postage
from tests.support.builders import line, order_payload
from workflows.contracts import CaseEventIn, InspectedItemIn, LedgerLeg, LedgerTxn, ShipmentUpdate

NUMBER = "R-2026-700001"


async def _case(session: AsyncSession, resolution: str = "refund") -> ReturnCase:
    """Shoes (300.00, 50.00 off) returned because they did not fit, a bag (100.00) because it was faulty."""
    payload = order_payload(
        lines=[
            line("L1", sku="SKU-SHOE", unit_price=30_000, tax=1_000),
            line("L2", sku="SKU-BAG", unit_price=10_000),
        ],
        discount=4_000,
    )
    order, _ = await upsert_order(session, OrderInput.model_validate(payload))
    case = ReturnCase(
        number=NUMBER,
        order_id=order.id,
        status="received",
        resolution=resolution,
        market="US",
        currency="CNY",
        policy_snapshot={},
        customer_token_hash=hashlib.sha256(b"x").hexdigest(),
    )
    session.add(case)
    await session.flush()
    for line_id, reason in (("L1", "wrong_size"), ("L2", "defective")):
        ol = await session.scalar(select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.line_id == line_id))
        assert ol is not None
        session.add(ReturnItem(case_id=case.id, order_line_id=ol.id, quantity=1, reason=reason))
    await session.commit()
    return case


def _event(seq: int, type_: str, **fields: Any) -> CaseEventIn:
    return CaseEventIn(case_number=NUMBER, seq=seq, type=type_, actor="system", at=datetime.now(UTC), **fields)


async def _record(sessionmaker, event: CaseEventIn) -> bool:  # type: ignore[no-untyped-def]
    """As the cases.record_event activity does: the event with what it books, in one transaction."""
    async with sessionmaker() as s:
        applied = await apply_event(s, await booked_with(s, event))
        await s.commit()
    return applied


async def _ledger(sessionmaker) -> dict[str, list[tuple[str, int]]]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        rows = await s.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
        out: dict[str, list[tuple[str, int]]] = {}
        for e in rows:
            out.setdefault(e.txn_id, []).append((e.account, e.amount_minor))
        return out


async def test_a_bought_label_is_postage_owed_to_the_carrier_and_a_voided_one_is_reversed(sessionmaker) -> None:
    async with sessionmaker() as s:
        await _case(s)
        postage = await label_postage(s, NUMBER, Money(1_600, "CNY"), "CNY", "SBX1", date(2026, 3, 2))
    shipment = ShipmentUpdate(tracking_number="SBX1", status="label_created")
    assert await _record(sessionmaker, _event(1, "label_issued", shipment=shipment, ledger=postage))
    voided = ShipmentUpdate(tracking_number="SBX1", status="voided")
    assert await _record(sessionmaker, _event(2, "cancelled", shipment=voided, status="cancelled"))
    assert not await _record(sessionmaker, _event(2, "cancelled", shipment=voided, status="cancelled"))  # a retry
    assert await _ledger(sessionmaker) == {
        f"label-{NUMBER}": [("returns:return_postage", 1_600), ("liability:carrier", -1_600)],
        f"label-{NUMBER}-voided": [("returns:return_postage", -1_600), ("liability:carrier", 1_600)],
    }


async def test_a_label_billed_in_another_currency_is_booked_in_the_cases(sessionmaker) -> None:
    async with sessionmaker() as s:
        await _case(s)
        day = date(2024, 3, 1)
        [txn] = await label_postage(s, NUMBER, Money(700, "USD"), "CNY", "SBX2", day)
        rate = await rate_on(s, "USD", "CNY", day)
        assert [(leg.amount_minor, leg.currency) for leg in txn.legs] == [
            (rate.convert(Money(700, "USD")).minor, "CNY"),
            (-rate.convert(Money(700, "USD")).minor, "CNY"),
        ]
        assert 4_000 < txn.legs[0].amount_minor < 6_000  # about 7 yuan to the dollar
        # No published rate (the ECB does not quote TWD): nothing booked rather than a guess, the label still bought.
        assert await label_postage(s, NUMBER, Money(9_000, "TWD"), "CNY", "SBX3", day) == []
        assert await label_postage(s, NUMBER, None, "CNY", "SBX4", day) == []  # the carrier named no price


async def test_a_refund_books_the_restocking_fee_and_label_fee_it_kept_back(sessionmaker) -> None:
    async with sessionmaker() as s:
        await _case(s)
    plan = {"amount": 33_200, "currency": "CNY", "kind": "refund", "restocking_fee": 2_600, "return_postage": 800}
    assert await _record(sessionmaker, _event(1, "refund_started", data=plan))
    paid = LedgerTxn(
        txn_id=f"refund-{NUMBER}-1-0",
        type="refund",
        legs=[
            LedgerLeg(account="returns:refunds", amount_minor=33_200, currency="CNY"),
            LedgerLeg(account="cash:payment_provider", amount_minor=-33_200, currency="CNY"),
        ],
    )
    assert await _record(sessionmaker, _event(2, "refund.succeeded", ledger=[paid], status="completed"))
    # A later refund (an exchange difference, say) does not book the same fee again.
    assert await _record(sessionmaker, _event(3, "refund_started", data={"exchange_difference": 500}))
    assert await _record(sessionmaker, _event(4, "refund.succeeded"))
    ledger = await _ledger(sessionmaker)
    assert ledger[f"restocking-fee-{NUMBER}"] == [("returns:refunds", 2_600), ("revenue:restocking_fees", -2_600)]
    assert ledger[f"label-fee-{NUMBER}"] == [("returns:refunds", 800), ("revenue:return_postage", -800)]
    assert len(ledger) == 3
    refunded = sum(a for legs in ledger.values() for account, a in legs if account == "returns:refunds")
    assert refunded == 33_200 + 2_600 + 800  # paid + kept back: the full value of the refund


async def test_inspection_books_goods_back_in_stock_when_the_customer_gets_money(sessionmaker) -> None:
    async with sessionmaker() as s:
        await _case(s)
    graded = [InspectedItemIn(line_id="L1", grade="B"), InspectedItemIn(line_id="L2", grade="A")]
    assert await _record(sessionmaker, _event(1, "inspected", inspection=graded, status="inspected"))
    # Shoes sold open box: 80% of the 270.00 paid for them (300.00 less their 30.00 share of the discount, no
    # tax); the faulty bag goes back to the vendor and recovers nothing here.
    assert await _ledger(sessionmaker) == {
        f"disposition-{NUMBER}": [("inventory:returned_goods", 21_600), ("returns:disposition_recovered", -21_600)]
    }
    async with sessionmaker() as s:
        stored = {r: d for r, d in await s.execute(select(ReturnItem.reason, ReturnItem.disposition))}
    assert stored == {"wrong_size": "open_box", "defective": "return_to_vendor"}  # as the projection graded them


async def test_an_exchange_books_returned_goods_only_once_it_turns_into_a_refund(sessionmaker) -> None:
    async with sessionmaker() as s:
        await _case(s, resolution="exchange")
    graded = [InspectedItemIn(line_id="L1", grade="A"), InspectedItemIn(line_id="L2", grade="C")]
    assert await _record(sessionmaker, _event(1, "inspected", inspection=graded, status="inspected"))
    assert await _ledger(sessionmaker) == {}  # goods for goods: neither side is booked
    assert await _record(sessionmaker, _event(2, "exchange.refund_instead", data={"why": "out_of_stock"}))
    assert await _record(sessionmaker, _event(3, "exchange.refund_instead", data={"why": "again"}))
    # Shoes restocked at the 270.00 paid; the faulty bag graded C still goes back to the vendor.
    assert await _ledger(sessionmaker) == {
        f"disposition-{NUMBER}": [("inventory:returned_goods", 27_000), ("returns:disposition_recovered", -27_000)]
    }
