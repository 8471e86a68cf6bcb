"""The exchange and repair panels of the case page: the new goods and their money, the repair and its quote, and
an agent answering for a customer who told them (by phone, mail) what they chose — refused plainly when the case
is not waiting for that answer."""

from __future__ import annotations

from sqlalchemy import select

from db.models import AuditEntry
from tests.e2e.test_exchanges import catalogue, exchange, goods_reach, stock, tee_order
from tests.e2e.test_repairs import decide, send_for_repair
from tests.support.html import field_error
from tests.support.stack import Stack
from tests.web.workspace_support import act, refusal, staff_browser


async def _audited(stack: Stack, number: str, action: str) -> list[str]:
    async with stack.sessionmaker() as s:
        rows = await s.scalars(
            select(AuditEntry.outcome)
            .where(AuditEntry.case_number == number, AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
        return list(rows)


async def test_an_agent_records_the_customers_choice_for_an_out_of_stock_exchange(stack: Stack) -> None:
    order = await tee_order(stack, price=10_000)
    await catalogue(stack, "TEE-L", 12_500, variant="L")
    await stock(stack, "TEE-L", 0)
    number = await exchange(stack, order, "TEE-L")
    await goods_reach(stack, number, "out_of_stock")
    agent = await staff_browser(stack, "agent")
    page = await agent.get(f"/workspace/cases/{number}?lang=en")
    assert page.status_code == 200, page.text
    assert "Out of stock: waiting for the customer's choice" in page.text
    assert "<td>TEE-L</td><td>L</td><td>1</td>" in page.text
    assert "<dd>CN¥100.00</dd>" in page.text and "<dd>CN¥125.00</dd>" in page.text  # credit, new total
    assert 'id="exchange-to-charge">CN¥25.00<' in page.text and "To refund the customer" not in page.text
    assert 'id="exchange-choose-by"' in page.text and 'id="f-exchange_choice"' in page.text
    assert 'id="exchange-tracking">—<' in page.text and 'id="repair-panel"' not in page.text

    unsaid = await act(agent, number, "exchange-choice", {"exchange_choice": "refund", "choice_note": " "})
    assert unsaid.status_code == 422 and field_error(unsaid.text, "choice_note") == "Please fill in this field."
    unchosen = await act(agent, number, "exchange-choice", {"exchange_choice": "", "choice_note": "phoned"})
    assert field_error(unchosen.text, "exchange_choice") == "Please choose one of the options."
    chose = await act(agent, number, "exchange-choice", {"exchange_choice": "refund", "choice_note": "phoned us"})
    assert chose.status_code == 303, chose.text
    after = await agent.get(f"/workspace/cases/{number}?lang=en")
    assert "The customer&#39;s choice is recorded." in after.text
    assert 'id="f-exchange_choice"' not in after.text  # answered: no second form
    again = await act(agent, number, "exchange-choice", {"exchange_choice": "wait", "choice_note": "mailed"})
    assert again.status_code == 409 and refusal(again.text) == "this exchange is not waiting for your choice"

    case = await stack.case(number)
    chosen = [e for e in case["timeline"] if e["type"] == "exchange.customer_chose"]
    assert [(e["actor"], e["data"]["choice"]) for e in chosen] == [("agent-page", "refund")]
    assert await _audited(stack, number, "case.exchange_choice") == ["done", "refused"]
    async with stack.sessionmaker() as s:
        reasons = await s.scalars(select(AuditEntry.reason).where(AuditEntry.action == "case.exchange_choice"))
        assert list(reasons) == ["phoned us", "mailed"]


async def test_an_agent_answers_a_repair_quote_only_once_it_is_asked(stack: Stack) -> None:
    number, _ = await send_for_repair(stack)
    agent = await staff_browser(stack, "agent")
    page = await agent.get(f"/workspace/cases/{number}?lang=en")
    assert '<span class="badge" id="case-status">At the repair centre</span>' in page.text
    assert 'id="repair-status">At the repair centre<' in page.text and 'id="f-quote_answer"' not in page.text
    early = await act(agent, number, "repair-quote", {"quote_answer": "accept", "quote_note": "phoned"})
    assert early.status_code == 409 and refusal(early.text) == "there is no repair quote waiting for an answer"

    await decide(stack, number, "out_of_warranty", quote={"amount": 8_800, "currency": "CNY"}, note="dropped")
    await goods_reach(stack, number, "quoted")
    page = await agent.get(f"/workspace/cases/{number}?lang=en")
    assert "Quote waiting for the customer's answer" in page.text
    assert 'id="repair-quote">CN¥88.00<' in page.text and 'id="repair-answer-by"' in page.text
    assert 'id="repair-quote-answer">not yet<' in page.text
    centre = (await stack.case(number))["repair"]["repair_id"]
    assert centre and f'id="repair-ref">{centre}<' in page.text
    zh = await agent.get(f"/workspace/cases/{number}?lang=zh-Hant")
    assert zh.status_code == 200 and "88.00" in zh.text

    accepted = await act(agent, number, "repair-quote", {"quote_answer": "accept", "quote_note": "customer mailed"})
    assert accepted.status_code == 303, accepted.text
    await goods_reach(stack, number, "repairing")
    page = await agent.get(f"/workspace/cases/{number}?lang=en")
    assert 'id="f-quote_answer"' not in page.text
    assert 'id="repair-quote-answer">Accepted<' in page.text
    assert await _audited(stack, number, "case.quote_answer") == ["refused", "done"]
    accepts = [e for e in (await stack.case(number))["timeline"] if e["type"] == "repair.quote_accepted"]
    assert [e["actor"] for e in accepts] == ["agent-page"]


async def test_an_instant_exchange_shows_its_hold_its_parcel_and_takes_no_choice(stack: Stack) -> None:
    email = "trusted@example.com"
    for _ in range(3):  # orders and no returns: trusted with the new goods before the old ones are back
        await stack.order(email=email)
    order = await tee_order(stack, price=10_000, email=email)
    await catalogue(stack, "TANK-M", 6_500, product="TANK")
    number = await exchange(stack, order, "TANK-M")
    await goods_reach(stack, number, "shipped")
    await stack.sandbox_app.state.sandbox.quiet()  # the carrier's first word on the new parcel is signalled
    await goods_reach(stack, number, "shipped")  # and written, so the page below is the case as it stays
    [outbound] = [s for s in (await stack.case(number))["shipments"] if s["direction"] == "outbound"]
    agent = await staff_browser(stack, "agent")
    page = await agent.get(f"/workspace/cases/{number}?lang=en")
    assert 'id="exchange-status">New goods shipped<' in page.text and 'id="exchange-instant">Instant<' in page.text
    assert 'id="exchange-to-refund">CN¥35.00<' in page.text and "To charge the customer" not in page.text
    assert 'id="exchange-hold">CN¥65.00 · held on the card<' in page.text
    assert f'id="exchange-tracking">{outbound["tracking_number"]}<' in page.text
    assert 'id="f-exchange_choice"' not in page.text and 'id="exchange-choose-by"' not in page.text
    refused = await act(agent, number, "exchange-choice", {"exchange_choice": "refund", "choice_note": "phoned"})
    assert refused.status_code == 409 and refusal(refused.text) == "this exchange is not waiting for your choice"
