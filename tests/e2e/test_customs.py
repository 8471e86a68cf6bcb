"""Cross-border returns end to end: declaration and duty estimate, the broker's clearance, holds answered by an
agent, refusals by policy, classification of items without an HS code, duty paid and drawback in the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import Client

from core.settings import Settings
from db.models import LedgerEntry
from tests.support.builders import line
from tests.support.ledger import assert_books_balance
from tests.support.policies import with_policy
from tests.support.stack import Stack, running_stack
from workflows.contracts import CaseView, case_workflow_id


async def customs_reaches(stack: Stack, number: str, *states: str) -> CaseView:
    """Wait (a workflow update, no polling) until the case's customs step is in one of `states`."""
    handle = stack.temporal.get_workflow_handle(case_workflow_id(number))
    view: CaseView = await handle.execute_update("wait_for_customs", list(states), result_type=CaseView)
    assert view.customs in states, f"{number}: customs {view.customs}, status {view.status}"
    return view


async def broker_decides(stack: Stack, number: str, outcome: str, note: str | None = None) -> None:
    [filed] = (await stack.sandbox.get("/customs/declarations", params={"reference": number})).json()
    got = await stack.sandbox.post(
        f"/customs/declarations/{filed['id']}/decide", json={"outcome": outcome, "note": note}
    )
    assert got.status_code == 200, got.text
    await stack.sandbox_app.state.sandbox.quiet()


async def shipped(stack: Stack, number: str) -> str:
    await stack.reach(number, "awaiting_shipment")
    tracking = (await stack.case(number))["shipments"][0]["tracking_number"]
    await stack.advance(tracking, "in_transit")
    await customs_reaches(stack, number, "submitted")
    return str(tracking)


async def ledger_types(stack: Stack, number: str) -> dict[str, list[tuple[str, int, str]]]:
    async with stack.sessionmaker() as s:
        rows = await s.execute(
            select(LedgerEntry).where(LedgerEntry.txn_id.like(f"{number}:%") | LedgerEntry.txn_id.like(f"%-{number}:%"))
        )
        out: dict[str, list[tuple[str, int, str]]] = {}
        for (e,) in rows:
            out.setdefault(e.type, []).append((e.account, e.amount_minor, e.currency))
        return out


def hk_order(**extra: Any) -> dict[str, Any]:
    return {
        "country": "HK",
        "currency": "HKD",
        "lines": [line("L1", unit_price=30_000, hs_code="6109.10", origin_country="CN", weight_g=300)],
        **extra,
    }


async def test_cn_to_hk_return_clears_pays_duty_and_refunds(stack: Stack) -> None:
    """A Hong Kong customer returns to the Shanghai warehouse: CN duty and VAT on the HKD value at the dated rate."""
    order = await stack.order(**hk_order())
    created = await stack.open_return(order)
    number = created.json()["number"]
    tracking = await shipped(stack, number)
    case = await stack.case(number)
    customs = case["customs"]
    assert (customs["from_country"], customs["to_country"], customs["status"]) == ("HK", "CN", "submitted")
    assert customs["estimate"]["fx"]["base"] == "HKD" and customs["estimate"]["fx"]["quote"] == "CNY"
    assert customs["duty"]["currency"] == "CNY" and customs["duty"]["amount"] > 0 and customs["tax"]["amount"] > 0

    invoice = await stack.api.get(f"/api/v1/returns/{number}/customs/invoice.pdf")
    assert invoice.status_code == 200 and invoice.content.startswith(b"%PDF")
    assert b"NotoSansCJK" in invoice.content  # the Chinese text is drawn with an embedded CJK font
    await broker_decides(stack, number, "cleared")
    await customs_reaches(stack, number, "cleared")
    await stack.advance(tracking, "delivered")
    await stack.reach(number, "received")
    await stack.inspect(number)
    await stack.reach(number, "completed")
    case = await stack.case(number)
    assert case["refunds"][0]["status"] == "succeeded" and case["customs"]["status"] == "cleared"
    paid = customs["duty"]["amount"] + customs["tax"]["amount"]
    assert (await ledger_types(stack, number))["duty_paid"] == [
        ("returns:duties", paid, "CNY"),
        ("cash:customs_broker", -paid, "CNY"),
    ]
    assert await stack.ledger_balance() == {"CNY": 0, "HKD": 0}
    types = [e["type"] for e in case["timeline"]]
    assert types.index("customs.declared") < types.index("label_issued") < types.index("customs.submitted")
    assert types.index("customs.cleared") < types.index("carrier.delivered")


async def test_a_hold_waits_for_the_agents_documents_then_clears(stack: Stack) -> None:
    order = await stack.order(**hk_order())
    number = (await stack.open_return(order)).json()["number"]
    await shipped(stack, number)
    await broker_decides(stack, number, "held", "commercial invoice required")
    await stack.reach(number, "customs_hold")
    case = await stack.case(number)
    assert case["escalated"] and case["customs"]["broker_note"] == "commercial invoice required"
    agent = await stack.staff("agent")
    early = await stack.api.post(
        f"/api/v1/returns/{number}/customs/classify", json={"codes": {"L1": "610910"}}, headers=agent
    )
    assert early.status_code == 409  # nothing to classify: the codes are fine, documents are missing
    answered = await stack.api.post(
        f"/api/v1/returns/{number}/customs/documents", json={"note": "invoice INV-88 uploaded"}, headers=agent
    )
    assert answered.status_code == 200, answered.text
    await customs_reaches(stack, number, "submitted")
    await stack.reach(number, "in_transit")
    again = await stack.api.post(f"/api/v1/returns/{number}/customs/documents", json={"note": "twice"}, headers=agent)
    assert again.status_code == 409  # no longer held
    await broker_decides(stack, number, "cleared")
    await customs_reaches(stack, number, "cleared")
    types = [e["type"] for e in (await stack.case(number))["timeline"]]
    assert types.count("customs.documents_provided") == 1
    assert types.index("customs.held") < types.index("customs.documents_provided") < types.index("customs.cleared")


async def test_refused_entry_sends_the_goods_back_and_closes_the_case(stack: Stack) -> None:
    order = await stack.order(**hk_order())
    number = (await stack.open_return(order)).json()["number"]
    await shipped(stack, number)
    await broker_decides(stack, number, "refused", "restricted goods")
    await stack.reach(number, "cancelled")
    case = await stack.case(number)
    assert case["customs"]["status"] == "refused" and case["refunds"] == []
    refused = next(e for e in case["timeline"] if e["type"] == "customs.refused")
    assert refused["data"]["goods"] == "returned_to_sender"


async def test_missing_hs_code_waits_for_an_agent_to_classify(stack: Stack) -> None:
    order = await stack.order(country="HK", currency="HKD", lines=[line("L1", unit_price=30_000)])
    number = (await stack.open_return(order)).json()["number"]
    await customs_reaches(stack, number, "needs_classification")
    case = await stack.case(number)
    assert case["status"] == "approved" and case["shipments"] == [] and case["escalated"]
    assert case["customs"]["problems"] == [{"line_id": "L1", "field": "hs_code", "code": "hs_missing"}]
    agent = await stack.staff("agent")
    bad = await stack.api.post(
        f"/api/v1/returns/{number}/customs/classify", json={"codes": {"L1": "6109.99"}}, headers=agent
    )
    assert bad.status_code == 422 and "not in the WCO nomenclature" in bad.json()["fields"]["codes.L1"]
    good = await stack.api.post(
        f"/api/v1/returns/{number}/customs/classify", json={"codes": {"L1": "6109.10"}}, headers=agent
    )
    assert good.status_code == 200, good.text
    await stack.reach(number, "awaiting_shipment")
    case = await stack.case(number)
    assert case["customs"]["items"][0]["hs_code"] == "610910" and case["customs"]["status"] == "ready"


async def test_a_line_without_an_hs_code_is_declared_with_the_catalogues(stack: Stack) -> None:
    """The storefront sent no HS code, but the merchant's catalogue classifies the SKU: no agent is needed."""
    tee = {"product": "TEE", "title": "Cotton T-shirt", "category": "apparel", "prices": {"HKD": 30_000}}
    typo = await stack.api.put("/api/v1/products/TEE-M", json={**tee, "hs_code": "6109.99"})
    assert typo.status_code == 422 and "not in the WCO nomenclature" in typo.json()["fields"]["hs_code"]
    saved = await stack.api.put("/api/v1/products/TEE-M", json={**tee, "hs_code": "6109.10"})
    assert saved.status_code == 201 and saved.json()["hs_code"] == "610910", saved.text
    order = await stack.order(
        country="HK",
        currency="HKD",
        lines=[line("L1", sku="TEE-M", unit_price=30_000, origin_country="CN", weight_g=300)],
    )
    number = (await stack.open_return(order)).json()["number"]
    await shipped(stack, number)  # labelled and on its way: it never waited for classification
    case = await stack.case(number)
    assert not case["escalated"] and case["customs"]["problems"] == []
    assert case["customs"]["items"][0]["hs_code"] == "610910" and case["customs"]["duty"]["amount"] > 0
    await broker_decides(stack, number, "cleared")
    await customs_reaches(stack, number, "cleared")
    types = [e["type"] for e in (await stack.case(number))["timeline"]]
    assert "customs.declared" in types and "customs.classified" not in types


@pytest.fixture
async def cn_only(e2e_settings: Settings, temporal_client: Client) -> AsyncIterator[Stack]:
    """A merchant with only the Shanghai warehouse: European returns come back to China."""
    settings = e2e_settings.model_copy(update={"warehouses": {"CN": e2e_settings.warehouses["CN"]}})
    async with running_stack(settings, temporal_client) as running:
        yield running


async def test_de_to_cn_return_enters_under_relief_and_claims_drawback(cn_only: Stack) -> None:
    """Exported from China with a reference, returned within a year: no CN duty (returned-goods relief); the
    German import duty paid on delivery is claimed back as drawback and booked as a receivable; once inspected, the
    customer is refunded in EUR at the payment provider and the books balance."""
    stack = cn_only
    order = await stack.order(
        country="DE",
        currency="EUR",
        delivered_days_ago=5,
        export_reference="CN-EX-2026-000123",
        lines=[line("L1", unit_price=20_000, hs_code="6403.99", origin_country="CN", weight_g=900)],
    )
    number = (await stack.open_return(order)).json()["number"]
    tracking = await shipped(stack, number)
    case = await stack.case(number)
    assert case["customs"]["estimate"]["duty_waived_by"] == "returned_goods_relief"
    assert case["customs"]["duty"]["amount"] == 0 and case["customs"]["tax"]["amount"] == 0
    await broker_decides(stack, number, "cleared")
    await customs_reaches(stack, number, "cleared")
    case = await stack.case(number)
    assert case["customs"]["drawback"] == {
        "amount": {"amount": 1_600, "currency": "EUR"},  # DE 8% on EUR 200.00 shoes
        "status": "filed",
        "reference": f"drawback-{number}",
    }
    ledger = await ledger_types(stack, number)
    assert "duty_paid" not in ledger
    assert ledger["drawback_claimed"] == [
        ("receivable:duty_drawback", 1_600, "EUR"),
        ("returns:duty_drawback", -1_600, "EUR"),
    ]
    finance = await stack.staff("finance")
    agent_try = await stack.api.post(f"/api/v1/drawbacks/drawback-{number}/paid", headers=await stack.staff("agent"))
    assert agent_try.status_code == 403
    paid = await stack.api.post(f"/api/v1/drawbacks/drawback-{number}/paid", headers=finance)
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text
    twice = await stack.api.post(f"/api/v1/drawbacks/drawback-{number}/paid", headers=finance)
    assert twice.status_code == 409
    ledger = await ledger_types(stack, number)
    assert ledger["drawback_paid"] == [("cash:bank", 1_600, "EUR"), ("receivable:duty_drawback", -1_600, "EUR")]
    assert (await stack.ledger_balance())["EUR"] == 0
    await stack.advance(tracking, "delivered")
    await stack.reach(number, "received")
    await stack.inspect(number)
    await stack.reach(number, "completed")
    case = await stack.case(number)
    [refund] = case["refunds"]
    assert (refund["status"], refund["amount"]) == ("succeeded", {"amount": 20_000, "currency": "EUR"})
    assert [(r["status"], r["amount"]) for r in await stack.provider_refunds(refund["id"])] == [("succeeded", 20_000)]
    assert case["customs"]["status"] == "cleared" and case["customs"]["drawback"]["status"] == "paid"
    await assert_books_balance(stack, booked=[number])  # refund, drawback claimed and paid: each nets to zero


@pytest.fixture
async def abandoning(e2e_settings: Settings, temporal_client: Client, tmp_path) -> AsyncIterator[Stack]:
    """A merchant whose policy abandons goods customs refuses (not worth shipping back) and refunds anyway."""
    settings = with_policy(e2e_settings, tmp_path, "abandon", customs={"refused": "abandon"})
    async with running_stack(settings, temporal_client) as running:
        yield running


async def test_refused_entry_under_an_abandon_policy_still_refunds(abandoning: Stack) -> None:
    stack = abandoning
    order = await stack.order(**hk_order())
    number = (await stack.open_return(order)).json()["number"]
    await shipped(stack, number)
    await broker_decides(stack, number, "refused", "restricted goods")
    await stack.reach(number, "completed")
    case = await stack.case(number)
    refused = next(e for e in case["timeline"] if e["type"] == "customs.refused")
    assert refused["data"]["goods"] == "abandoned"
    assert case["refunds"][0]["status"] == "succeeded" and "inspected" not in [e["type"] for e in case["timeline"]]
