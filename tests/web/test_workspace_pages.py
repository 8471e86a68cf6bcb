"""The agent workspace over HTTP on the real stack: queues, case page, actions with their refusals, audit."""

from __future__ import annotations

import asyncio
import re

import httpx
from sqlalchemy import select

from db.models import AuditEntry
from services import case_links
from tests.support.html import csrf_from, field_error
from tests.support.stack import API_BASE, Stack
from tests.web.workspace_support import act, refusal, seq_from, staff_browser


async def _audit(stack: Stack, number: str) -> list[tuple[str, str, str]]:
    async with stack.sessionmaker() as s:
        rows = await s.scalars(select(AuditEntry).where(AuditEntry.case_number == number).order_by(AuditEntry.id))
        return [(a.actor, a.action, a.outcome) for a in rows]


async def _review_case(stack: Stack) -> str:
    created = await stack.open_return(await stack.order(), reason="other")  # an agent judges who is at fault
    number = str(created.json()["number"])
    await stack.reach(number, "pending_review")
    return number


async def test_queue_finds_a_case_by_tracking_number_email_and_saved_view(stack: Stack) -> None:
    number = str((await stack.open_return(await stack.order())).json()["number"])
    await stack.reach(number, "awaiting_shipment")
    review = await _review_case(stack)
    tracking = (await stack.case(number))["shipments"][0]["tracking_number"]
    agent = await staff_browser(stack, "agent")
    found = await agent.get("/workspace", params={"q": tracking})
    assert found.status_code == 200
    assert f"/workspace/cases/{number}" in found.text and f"/workspace/cases/{review}" not in found.text
    by_email = await agent.get("/workspace", params={"q": "MEI@example.com"})
    assert number in by_email.text and review in by_email.text
    waiting = await agent.get("/workspace", params={"view": "review"})
    assert review in waiting.text and f"/workspace/cases/{number}" not in waiting.text
    assert 'data-count="review">1<' in waiting.text
    nothing = await agent.get("/workspace", params={"q": "no-such-thing"})
    assert "No cases match these filters." in nothing.text
    bad = await agent.get("/workspace", params={"value_min": "12.345", "currency": "CNY"})
    assert bad.status_code == 200 and field_error(bad.text, "value_min") == "Please enter an amount."


async def test_approve_from_the_page_is_audited_and_a_stale_page_is_refused(stack: Stack) -> None:
    number = await _review_case(stack)
    agent = await staff_browser(stack, "agent", "ana")
    page = await agent.get(f"/workspace/cases/{number}")
    stale = {"csrf_token": csrf_from(page.text), "seq": seq_from(page.text)}
    done = await agent.post(f"/workspace/cases/{number}/approve", data={**stale, "approve_reason": "photos ok"})
    assert done.status_code == 303 and done.headers["location"] == f"/workspace/cases/{number}"
    shown = await agent.get(f"/workspace/cases/{number}")
    assert "The return is approved." in shown.text
    again = await agent.post(f"/workspace/cases/{number}/note", data={**stale, "note_text": "late thought"})
    assert again.status_code == 409
    assert refusal(again.text) == "this case changed while you were looking"
    assert seq_from(again.text) != stale["seq"]  # the fresh page, ready for a second try
    timeline = (await stack.case(number))["timeline"]
    assert [e["type"] for e in timeline].count("approved") == 1 and "note" not in [e["type"] for e in timeline]
    audit = await _audit(stack, number)
    assert audit == [("ana", "case.approve", "done"), ("ana", "case.note", "refused")]


async def test_an_action_not_allowed_now_shows_the_workflows_reason_with_409(stack: Stack) -> None:
    number = str((await stack.open_return(await stack.order())).json()["number"])
    await stack.reach(number, "awaiting_shipment")
    await stack.sandbox_app.state.sandbox.quiet()  # the carrier's label_created event has reached the case
    agent = await staff_browser(stack, "agent")
    got = await act(agent, number, "approve", {})
    assert got.status_code == 409
    assert refusal(got.text) == "only a case waiting for review can be approved"
    assert ("agent-page", "case.approve", "refused") in await _audit(stack, number)


async def test_reject_needs_a_reason_and_keeps_the_input(stack: Stack) -> None:
    number = await _review_case(stack)
    agent = await staff_browser(stack, "agent")
    got = await act(agent, number, "reject", {"reject_reason": "  "})
    assert got.status_code == 422
    assert field_error(got.text, "reject_reason") == "Please fill in this field."
    assert (await stack.case(number))["status"] == "pending_review"


async def test_two_agents_approving_at_once_apply_it_once(stack: Stack) -> None:
    number = await _review_case(stack)
    ana, bo = await staff_browser(stack, "agent", "ana"), await staff_browser(stack, "agent", "bo")
    pages = [await c.get(f"/workspace/cases/{number}") for c in (ana, bo)]
    posts = [
        c.post(
            f"/workspace/cases/{number}/approve",
            data={"csrf_token": csrf_from(p.text), "seq": seq_from(p.text), "approve_reason": "first"},
        )
        for c, p in zip((ana, bo), pages, strict=True)
    ]
    answers = await asyncio.gather(*posts)
    assert sorted(a.status_code for a in answers) == [303, 409]
    lost = next(a for a in answers if a.status_code == 409)
    assert refusal(lost.text) in (
        "this case changed while you were looking",
        "only a case waiting for review can be approved",
    )
    types = [e["type"] for e in (await stack.case(number))["timeline"]]
    assert types.count("approved") == 1
    outcomes = sorted(o for _, action, o in await _audit(stack, number) if action == "case.approve")
    assert outcomes == ["done", "refused"]


async def test_a_role_without_case_rights_gets_a_403_page(stack: Stack) -> None:
    number = await _review_case(stack)
    finance = await staff_browser(stack, "finance")
    got = await finance.get(f"/workspace/cases/{number}")
    assert got.status_code == 403 and "You cannot do this" in got.text
    agent = await staff_browser(stack, "agent")
    await act(agent, number, "reject", {"reject_reason": "the photos show wear"})
    await stack.reach(number, "rejected")
    page = await agent.get(f"/workspace/cases/{number}")
    assert "Override the rejection" not in page.text  # agents are not offered what they may not do
    forced = await agent.post(
        f"/workspace/cases/{number}/override",
        data={"csrf_token": csrf_from(page.text), "seq": seq_from(page.text), "override_reason": "x"},
    )
    assert forced.status_code == 403 and "Only a supervisor can override a rejection." in forced.text
    assert ("agent-page", "case.override", "refused") in await _audit(stack, number)


async def test_a_supervisor_overrides_a_rejection_and_the_return_goes_on(stack: Stack) -> None:
    number = await _review_case(stack)
    agent = await staff_browser(stack, "agent")
    await act(agent, number, "reject", {"reject_reason": "worn"})
    await stack.reach(number, "rejected")
    boss = await staff_browser(stack, "supervisor", "sue")
    got = await act(boss, number, "override", {"override_reason": "long-standing customer, photos are ambiguous"})
    assert got.status_code == 303, got.text
    await stack.reach(number, "awaiting_shipment")
    types = [e["type"] for e in (await stack.case(number))["timeline"]]
    assert types.index("rejected") < types.index("overridden") < types.index("label_issued")
    assert ("sue", "case.override", "done") in await _audit(stack, number)


async def test_a_policy_rejection_can_be_overridden_and_its_items_become_refundable(stack: Stack) -> None:
    created = await stack.open_return(await stack.order(delivered_days_ago=40))  # past every window
    number = str(created.json()["number"])
    await stack.reach(number, "rejected")
    boss = await staff_browser(stack, "supervisor")
    got = await act(boss, number, "override", {"override_reason": "courier delay was ours"})
    assert got.status_code == 303, got.text
    await stack.reach(number, "awaiting_shipment")
    assert all(i["eligible"] for i in (await stack.case(number))["items"])


def _row(html: str, number: str) -> str | None:
    """The queue row of case `number` (None when the queue does not list it)."""
    found = re.search(rf'<tr data-case="{re.escape(number)}">(.*?)</tr>', html, re.S)
    return found.group(1) if found else None


async def test_a_customer_reply_returns_the_case_to_the_agents_until_one_acts(stack: Stack) -> None:
    number = await _review_case(stack)
    agent = await staff_browser(stack, "agent")
    asked = await act(agent, number, "request-info", {"info_message": "Which size did you order?"})
    assert asked.status_code == 303, asked.text
    quiet = await agent.get("/workspace", params={"view": "replied"})
    assert _row(quiet.text, number) is None and 'data-count="replied">0<' in quiet.text
    secret = stack.settings.session_secret.get_secret_value()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.api_app), base_url=API_BASE) as customer:
        page = await customer.get(f"/returns/{number}?lang=en&access={case_links.sign(secret, number)}")
        assert "Which size did you order?" in page.text
        answered = await customer.post(
            f"/returns/{number}/reply", data={"csrf_token": csrf_from(page.text), "reply": "Size M, it was too small"}
        )
        assert answered.status_code == 303
    waiting = await agent.get("/workspace", params={"view": "replied"})
    row = _row(waiting.text, number)
    assert row is not None and 'data-flag="replied">Customer replied<' in row
    assert 'data-count="replied">1<' in waiting.text
    own_queue = await agent.get("/workspace", params={"view": "review"})  # still in its own queue, marked
    assert 'data-flag="replied"' in (_row(own_queue.text, number) or "")
    noted = await act(agent, number, "note", {"note_text": "asked the warehouse about sizes"})
    assert noted.status_code == 303
    still = await agent.get("/workspace", params={"view": "replied"})
    assert _row(still.text, number) is not None  # an internal note answers nobody: the customer still waits
    approved = await act(agent, number, "approve", {"approve_reason": "size M confirmed"})
    assert approved.status_code == 303, approved.text
    done = await agent.get("/workspace", params={"view": "replied"})
    assert _row(done.text, number) is None and 'data-count="replied">0<' in done.text
    everything = await agent.get("/workspace")
    assert 'data-flag="replied"' not in (_row(everything.text, number) or "no row")


async def test_the_risk_filter_lists_only_the_flagged_cases_with_their_badges(stack: Stack) -> None:
    dear = str((await stack.open_return(await stack.order(amount=600_000))).json()["number"])  # CN review: 5,000+
    plain = str((await stack.open_return(await stack.order())).json()["number"])
    agent = await staff_browser(stack, "agent")
    flagged = await agent.get("/workspace", params={"risk": "high_value"})
    row = _row(flagged.text, dear)
    assert row is not None and 'data-flag="high_value">High value<' in row
    assert _row(flagged.text, plain) is None and '<option value="high_value" selected>' in flagged.text
    assert (await agent.get("/workspace", params={"risk": "any"})).text.count("<tr data-case=") == 1
    blocklisted = await agent.get("/workspace", params={"risk": "blocklisted"})
    assert "No cases match these filters." in blocklisted.text
    everything = await agent.get("/workspace")
    assert _row(everything.text, dear) is not None and "data-flag=" not in (_row(everything.text, plain) or "no row")
    odd = await agent.get("/workspace", params={"risk": "shady"})
    assert odd.status_code == 200 and field_error(odd.text, "risk") == "Please choose one of the options."
