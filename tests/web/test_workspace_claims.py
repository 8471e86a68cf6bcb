"""The claims panel of the case page: what was claimed, the insurer's answer, and the evidence an agent sends
when the insurer asks for more."""

from __future__ import annotations

from sqlalchemy import select

from db.models import AuditEntry
from tests.e2e.test_claims import case_closes, claim_reaches, insurer_decides, lost_in_return
from tests.support.html import csrf_from, field_error
from tests.support.stack import Stack
from tests.web.workspace_support import act, refusal, staff_browser


async def test_an_agent_sends_the_evidence_the_insurer_asked_for_from_the_case_page(stack: Stack) -> None:
    number = await lost_in_return(stack)
    agent = await staff_browser(stack, "agent")
    page = await agent.get(f"/workspace/cases/{number}")
    assert "Transit insurance" in page.text and "With the insurer" in page.text
    assert "lost by the carrier" in page.text and "No insurance claim." not in page.text
    assert 'id="f-evidence_note"' not in page.text
    seq = (await stack.case(number))["timeline"][-1]["seq"]  # a completed case shows no other action form
    early = await agent.post(
        f"/workspace/cases/{number}/claim-evidence",
        data={"csrf_token": csrf_from(page.text), "seq": seq, "claim_kind": "transit", "evidence_note": "photos"},
    )
    assert early.status_code == 409 and refusal(early.text) == "the insurer is not waiting for evidence on this claim"

    await insurer_decides(stack, number, "transit", "more_evidence")
    await claim_reaches(stack, number, "transit", "more_evidence")
    page = await agent.get(f"/workspace/cases/{number}")
    assert "More evidence requested" in page.text and "insurer says more_evidence" in page.text
    empty = await act(agent, number, "claim-evidence", {"claim_kind": "transit", "evidence_note": " "})
    assert empty.status_code == 422 and field_error(empty.text, "evidence_note") == "Please fill in this field."
    sent = await act(agent, number, "claim-evidence", {"claim_kind": "transit", "evidence_note": "loss report 88"})
    assert sent.status_code == 303, sent.text
    await claim_reaches(stack, number, "transit", "answered")

    await insurer_decides(stack, number, "transit", "partial", 7_000)
    await case_closes(stack, number)
    zh = await agent.get(f"/workspace/cases/{number}?lang=zh-Hant")
    assert "運輸保險" in zh.text
    page = await agent.get(f"/workspace/cases/{number}?lang=en")
    assert "Partly approved" in page.text and "Shortfall" in page.text
    async with stack.sessionmaker() as s:
        audited = await s.scalars(
            select(AuditEntry.outcome).where(
                AuditEntry.case_number == number, AuditEntry.action == "case.claim_evidence"
            )
        )
        assert list(audited) == ["refused", "done"]


async def test_a_case_without_insurance_says_so(stack: Stack) -> None:
    number = (await stack.open_return(await stack.order())).json()["number"]
    await stack.reach(number, "awaiting_shipment")
    page = await (await staff_browser(stack, "agent")).get(f"/workspace/cases/{number}")
    assert "No insurance claim." in page.text
