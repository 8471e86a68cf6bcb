"""Finance reports on SQLite and PostgreSQL, from a case built row by row: cost of returns by component and group,
a trial balance that sums to zero per currency, the money overview, refund ageing, and the XLSX export."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OrderLine, ReturnCase, ReturnItem
from domain.period import Period
from services.finance_reports import case_money, cost_of_returns, overview, refund_ageing, trial_balance_view
from services.order_input import OrderInput
from services.orders import upsert_order
from services.reconciliation import read_run, run_reconciliation
from services.reconciliation_xlsx import export_xlsx
from tests.support.builders import line, order_payload
from tests.support.finance import AT, create_ledger_leg, create_refund, refund_case, refund_line, report

PERIOD = Period(AT - timedelta(days=1), AT + timedelta(days=1))


async def _two_item_case(session: AsyncSession) -> ReturnCase:
    """A Tmall order of shoes (300.00) and a bag (100.00), both returned, for different reasons."""
    payload = order_payload(
        lines=[
            line("L1", sku="SKU-SHOE", unit_price=30_000, category="shoes"),
            line("L2", sku="SKU-BAG", unit_price=10_000, category="bags"),
        ],
        channel="tmall",
    )
    order, _ = await upsert_order(session, OrderInput.model_validate(payload))
    case = ReturnCase(
        number="R-2026-900001",
        order_id=order.id,
        status="completed",
        resolution="refund",
        market="CN",
        currency="CNY",
        policy_snapshot={},
        created_at=AT,
        customer_token_hash=hashlib.sha256(b"x").hexdigest(),
    )
    session.add(case)
    await session.flush()
    for line_id, reason in (("L1", "defective"), ("L2", "wrong_size")):
        ol = (
            await session.execute(
                OrderLine.__table__.select().where(OrderLine.order_id == order.id, OrderLine.line_id == line_id)
            )
        ).one()
        session.add(ReturnItem(case_id=case.id, order_line_id=ol.id, quantity=1, reason=reason))
    await session.flush()
    return case


async def _post(session: AsyncSession, case: ReturnCase, txn: str, legs: list[tuple[str, int]], type_: str) -> None:
    for account, amount in legs:
        await create_ledger_leg(session, txn_id=txn, account=account, amount=amount, type_=type_, case=case)


async def test_cost_of_returns_per_case_and_group(sessionmaker) -> None:
    async with sessionmaker() as session:
        case = await _two_item_case(session)
        label = [("returns:return_postage", 1_200), ("liability:carrier", -1_200)]
        await _post(session, case, "label-1", label, "return_postage")  # the return label the merchant bought
        await _post(session, case, "r1", [("returns:refunds", 40_000), ("cash:payment_provider", -40_000)], "refund")
        fee = [("returns:refunds", 2_000), ("revenue:restocking_fees", -2_000)]
        await _post(session, case, "fee-1", fee, "restocking_fee")  # kept back from the refund
        await _post(session, case, "g1", [("returns:goodwill", 2_000), ("cash:payment_provider", -2_000)], "refund")
        stock = [("inventory:returned_goods", 8_000), ("returns:disposition_recovered", -8_000)]
        await _post(session, case, "disp-1", stock, "disposition")  # the bag restocked
        await session.commit()
        got = await cost_of_returns(session, PERIOD)
        one = await case_money(session, case.number)
        books = await trial_balance_view(session, PERIOD)

    (total,) = got["totals"]
    assert total["total"] == {"amount": 35_200, "currency": "CNY"} and total["cases"] == 1
    parts = {c: m["amount"] for c, m in total["parts"].items() if m["amount"]}
    assert parts == {
        "return_postage": 1_200,
        "refunds": 42_000,  # paid 40 000 + 2 000 kept back: the refund at the value of the goods returned
        "goodwill": 2_000,
        "fees_kept": -2_000,
        "disposition_recovered": -8_000,
    }
    assert got["posted_today"] == sorted(got["components"])  # every component is booked by now
    by_reason = {g["key"]: g["total"]["amount"] for g in got["groups"]["reason"]}
    assert by_reason == {"defective": 26_400, "wrong_size": 8_800}  # shared 3:1 by the value returned
    assert {g["key"]: g["total"]["amount"] for g in got["groups"]["sku"]} == {"SKU-SHOE": 26_400, "SKU-BAG": 8_800}
    assert [(g["key"], g["total"]["amount"]) for g in got["groups"]["channel"]] == [("tmall", 35_200)]
    assert [c["number"] for c in got["cases"]] == [case.number]
    assert one["costs"]["total"]["amount"] == 35_200 and len(one["ledger"]) == 10 and one["channel"] == "tmall"
    (cny,) = books["currencies"]
    assert cny["balanced"] and cny["debits"]["amount"] == 53_200
    assert [li["class"] for li in cny["lines"] if li["account"].startswith(("inventory", "liability"))] == [
        "liability",
        "asset",
    ]


async def test_trial_balance_sums_to_zero_in_each_currency(sessionmaker) -> None:
    async with sessionmaker() as session:
        case = await refund_case(session)
        for i, (currency, amount) in enumerate([("CNY", 12_990), ("CNY", 500), ("JPY", 1_299), ("EUR", 1_005)]):
            for account, signed in (("returns:refunds", amount), ("cash:payment_provider", -amount)):
                await create_ledger_leg(
                    session, txn_id=f"t{i}", account=account, amount=signed, currency=currency, case=case
                )
        await create_ledger_leg(  # outside the period: not in its balance
            session, txn_id="late", account="returns:refunds", amount=7, at=AT + timedelta(days=5), case=case
        )
        await session.commit()
        got = await trial_balance_view(session, PERIOD)
    assert [c["currency"] for c in got["currencies"]] == ["CNY", "EUR", "JPY"]
    for block in got["currencies"]:
        assert block["balanced"] and block["difference"]["amount"] == 0
        assert block["debits"] == block["credits"]
    cny = got["currencies"][0]
    assert [(li["account"], li["debit"]["amount"], li["credit"]["amount"]) for li in cny["lines"]] == [
        ("returns:refunds", 13_490, 0),
        ("cash:payment_provider", 0, 13_490),
    ]


async def test_overview_by_day_and_market_and_ageing(sessionmaker) -> None:
    async with sessionmaker() as session:
        case = await refund_case(session)
        await _post(session, case, "r1", [("returns:refunds", 1_000), ("cash:payment_provider", -1_000)], "refund")
        await create_ledger_leg(session, txn_id="s1", account="returns:refunds", amount=300, type_="store_credit")
        await create_ledger_leg(
            session, txn_id="s1", account="liability:store_credit", amount=-300, type_="store_credit"
        )
        await create_refund(session, case, status="pending", amount=450, created_at=AT)
        await create_refund(session, case, status="pending", amount=50, created_at=AT + timedelta(days=9))
        await create_refund(session, case, status="succeeded", amount=999, created_at=AT)
        await session.commit()
        got = await overview(session, PERIOD)
        ageing = await refund_ageing(session, AT + timedelta(days=10))
    (cny,) = got["currencies"]
    assert cny["totals"]["refunds"] == {"count": 1, "amount": {"amount": 1_000, "currency": "CNY"}}
    assert cny["totals"]["store_credits"]["amount"]["amount"] == 300
    assert cny["totals"]["claims"]["count"] == 0
    assert [d["day"] for d in cny["days"]] == [str(AT.date() - timedelta(days=1)), str(AT.date())]
    assert cny["days"][1]["refunds"]["amount"] == 1_000
    assert {m["market"]: m["refunds"]["count"] for m in cny["markets"]} == {"CN": 1, "—": 0}
    assert [b["count"] for b in ageing["buckets"]] == [0, 1, 0, 1, 0]  # waiting 1 day and 10 days
    assert ageing["waiting"] == 2 and ageing["oldest"][0]["amount"]["amount"] == 450


async def test_xlsx_export_opens_and_holds_the_rows(sessionmaker) -> None:
    async with sessionmaker() as session:
        run = await run_reconciliation(
            session,
            io.BytesIO(report(refund_line("re_x", "=HYPERLINK(1)", 12_345))),
            filename="r.csv",
            actor="fiona",
        )
        await session.commit()
        data = export_xlsx(await read_run(session, run.id))
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = book.namelist()
        sheet = book.read("xl/worksheets/sheet2.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "xl/worksheets/sheet1.xml" in names
    assert "unknown_at_provider" in strings and "re_x" in strings
    assert "=HYPERLINK(1)" in strings and "<f>" not in sheet  # a reference that looks like a formula stays text
    assert re.search(r"<v>123.45</v>", sheet)  # the amount is a number in major units
