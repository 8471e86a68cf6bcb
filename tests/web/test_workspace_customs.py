"""The customs panel of the case page: the declaration and estimate, classifying items, answering a broker's hold,
and the commercial invoice for staff signed in to the pages."""

from __future__ import annotations

from sqlalchemy import select

from db.models import AuditEntry
from tests.e2e.test_customs import broker_decides, customs_reaches, hk_order, shipped
from tests.support.builders import line
from tests.support.html import field_error
from tests.support.stack import Stack
from tests.web.workspace_support import act, staff_browser


async def _audited(stack: Stack, number: str, action: str) -> list[str]:
    async with stack.sessionmaker() as s:
        rows = await s.scalars(
            select(AuditEntry.outcome).where(AuditEntry.case_number == number, AuditEntry.action == action)
        )
        return list(rows)


async def test_an_agent_classifies_an_item_from_the_case_page(stack: Stack) -> None:
    order = await stack.order(country="HK", currency="HKD", lines=[line("L1", unit_price=30_000)])
    number = (await stack.open_return(order)).json()["number"]
    await customs_reaches(stack, number, "needs_classification")
    agent = await staff_browser(stack, "agent")
    page = await agent.get(f"/workspace/cases/{number}")
    assert "Waiting for HS codes" in page.text and "L1: no HS code" in page.text
    assert "HK → CN" in page.text and 'id="f-hs_L1"' in page.text

    bad = await act(agent, number, "classify", {"hs_L1": "6109.99"})
    assert bad.status_code == 422
    assert field_error(bad.text, "hs_L1") == "This code is not in the WCO nomenclature."
    assert 'value="6109.99"' in bad.text  # the agent's input is kept
    malformed = await act(agent, number, "classify", {"hs_L1": "61"})
    assert field_error(malformed.text, "hs_L1") == "Use 6, 8 or 10 digits, e.g. 6109.10."
    assert (await stack.case(number))["customs"]["status"] == "needs_classification"

    good = await act(agent, number, "classify", {"hs_L1": "6109.10"})
    assert good.status_code == 303, good.text
    await stack.reach(number, "awaiting_shipment")
    page = await agent.get(f"/workspace/cases/{number}")
    assert "610910" in page.text and 'id="f-hs_L1"' not in page.text
    assert 'id="customs-fx">1 HKD = ' in page.text and "CNY" in page.text
    assert await _audited(stack, number, "case.classify") == ["done"]


async def test_an_agent_answers_a_customs_hold_and_prints_the_invoice(stack: Stack) -> None:
    number = (await stack.open_return(await stack.order(**hk_order()))).json()["number"]
    await shipped(stack, number)
    await broker_decides(stack, number, "held", "commercial invoice required")
    await stack.reach(number, "customs_hold")
    agent = await staff_browser(stack, "agent")
    page = await agent.get(f"/workspace/cases/{number}")
    assert "Held: documents requested" in page.text and "commercial invoice required" in page.text
    assert "The merchant pays" in page.text

    invoice = await agent.get(f"/workspace/cases/{number}/customs/invoice.pdf")
    assert invoice.status_code == 200 and invoice.content.startswith(b"%PDF")
    assert invoice.headers["content-type"] == "application/pdf"
    classify = await act(agent, number, "classify", {})
    assert classify.status_code == 409  # nothing waits for a code: documents are missing
    assert "this case has no customs items waiting for a code" in classify.text

    empty = await act(agent, number, "customs-documents", {"documents_note": " "})
    assert empty.status_code == 422 and field_error(empty.text, "documents_note") == "Please fill in this field."
    sent = await act(agent, number, "customs-documents", {"documents_note": "invoice INV-88 uploaded"})
    assert sent.status_code == 303, sent.text
    await customs_reaches(stack, number, "submitted")
    await stack.reach(number, "in_transit")
    timeline = (await stack.case(number))["timeline"]
    assert {"note": "invoice INV-88 uploaded"} in [e["data"] for e in timeline]
    assert await _audited(stack, number, "case.customs_documents") == ["done"]


async def test_a_domestic_case_has_no_customs_panel_nor_invoice(stack: Stack) -> None:
    number = (await stack.open_return(await stack.order())).json()["number"]
    await stack.reach(number, "awaiting_shipment")
    agent = await staff_browser(stack, "agent")
    page = await agent.get(f"/workspace/cases/{number}")
    assert "No customs declaration." in page.text and "Customs declaration" not in page.text
    assert (await agent.get(f"/workspace/cases/{number}/customs/invoice.pdf")).status_code == 404
