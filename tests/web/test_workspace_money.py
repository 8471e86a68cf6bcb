"""Inspection from the page, the refund that follows, and goodwill compensation within each role's limit."""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import select

from db.models import AuditEntry, CasePhoto
from tests.support.html import field_error
from tests.support.stack import Stack
from tests.web.workspace_support import act, refusal, staff_browser


async def _received(stack: Stack, amount: int = 12_900) -> str:
    number = str((await stack.open_return(await stack.order(amount=amount))).json()["number"])
    await stack.reach(number, "awaiting_shipment")
    await stack.advance((await stack.case(number))["shipments"][0]["tracking_number"], "delivered")
    await stack.reach(number, "received")
    return number


async def test_inspection_needs_a_grade_per_item_then_the_refund_joins_the_timeline(stack: Stack) -> None:
    number = await _received(stack)
    agent = await staff_browser(stack, "agent")
    missing = await act(agent, number, "inspect", {"grade_L1": ""})
    assert missing.status_code == 422 and field_error(missing.text, "grade_L1") == "Choose a grade for this item."
    done = await act(agent, number, "inspect", {"grade_L1": "B", "notes_L1": "box opened"})
    assert done.status_code == 303, done.text
    await stack.reach(number, "completed")
    page = await agent.get(f"/workspace/cases/{number}")
    assert 'data-type="refund.succeeded"' in page.text and "box opened" in page.text
    assert "¥129.00" in page.text or "CN¥129.00" in page.text


def jpeg(colour: tuple[int, int, int] = (90, 60, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, format="JPEG")
    return out.getvalue()


async def test_inspection_photos_are_checked_and_kept_with_their_item_on_the_case_page(stack: Stack) -> None:
    number = await _received(stack)
    agent = await staff_browser(stack, "agent", "ines")
    forged = await act(
        agent,
        number,
        "inspect",
        {"grade_L1": "C"},
        files=[("photos_L1", ("scuff.jpg", b"%PDF-1.4 not a photo", "image/jpeg"))],
    )
    assert forged.status_code == 422 and "not a photo we can read" in (field_error(forged.text, "photos_L1") or "")
    assert (await stack.case(number))["status"] == "received"  # nothing recorded: the agent fixes the form
    done = await act(
        agent, number, "inspect", {"grade_L1": "C", "notes_L1": "scuffed sole"},
        files=[("photos_L1", ("a.jpg", jpeg(), "image/jpeg")), ("photos_L1", ("b.jpg", jpeg((1, 2, 3)), "image/jpeg"))],
    )  # fmt: skip
    assert done.status_code == 303, done.text
    async with stack.sessionmaker() as s:
        kept = list(await s.scalars(select(CasePhoto).where(CasePhoto.purpose == "inspection")))
    assert [(p.line_id, p.uploaded_by, p.content_type) for p in kept] == [("L1", "ines", "image/jpeg")] * 2
    page = await agent.get(f"/workspace/cases/{number}")
    shown = re.findall(r'<img src="(/workspace/cases/[^"]+/photos/\d+)" alt="Inspection photo of L1"', page.text)
    assert len(shown) == 2
    photo = await agent.get(shown[0])
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")  # re-encoded JPEG


async def test_goodwill_within_the_agents_limit_is_paid_once_and_booked(stack: Stack) -> None:
    number = await _received(stack)
    agent = await staff_browser(stack, "agent", "ana")
    got = await act(agent, number, "compensate", {"goodwill_amount": "20.00", "goodwill_reason": "late courier"})
    assert got.status_code == 303, got.text
    case = await stack.case(number)
    goodwill = [r for r in case["refunds"] if r["id"].endswith("-2-0")]
    assert [(r["amount"]["amount"], r["status"]) for r in goodwill] == [(2_000, "succeeded")]
    paid = await stack.provider_refunds(goodwill[0]["id"])
    assert [(p["amount"], p["status"]) for p in paid] == [(2_000, "succeeded")]
    assert "goodwill.succeeded" in [e["type"] for e in case["timeline"]]
    assert await stack.ledger_balance() == {"CNY": 0}


async def test_goodwill_above_the_agents_limit_needs_a_supervisor(stack: Stack) -> None:
    number = await _received(stack, amount=90_000)
    agent = await staff_browser(stack, "agent", "ana")
    got = await act(agent, number, "compensate", {"goodwill_amount": "300", "goodwill_reason": "very sorry"})
    assert got.status_code == 403
    assert "needs a supervisor" in (refusal(got.text) or "")
    assert 'value="300"' in got.text  # the agent's input is kept
    boss = await staff_browser(stack, "supervisor", "sue")
    ok = await act(boss, number, "compensate", {"goodwill_amount": "300", "goodwill_reason": "very sorry"})
    assert ok.status_code == 303, ok.text
    async with stack.sessionmaker() as s:
        rows = await s.scalars(select(AuditEntry).where(AuditEntry.action == "case.compensate").order_by(AuditEntry.id))
        assert [(a.actor, a.outcome) for a in rows] == [("ana", "refused"), ("sue", "done")]


async def test_goodwill_never_exceeds_what_the_order_paid(stack: Stack) -> None:
    number = await _received(stack, amount=10_000)
    admin = await staff_browser(stack, "admin")
    got = await act(admin, number, "compensate", {"goodwill_amount": "100.01", "goodwill_reason": "try"})
    assert got.status_code == 409 and "can still be given back" in (refusal(got.text) or "")
    assert [r for r in (await stack.case(number))["refunds"]] == []


async def test_json_compensate_checks_the_role_limit_and_answers_with_the_case(stack: Stack) -> None:
    number = await _received(stack)
    agent = await stack.staff("agent")
    body = {"amount": {"amount": 50_000, "currency": "CNY"}, "reason": "sorry"}
    refused = await stack.api.post(f"/api/v1/returns/{number}/compensate", json=body, headers=agent)
    assert refused.status_code == 403 and refused.json()["error"] == "goodwill_over_limit"
    small = {"amount": {"amount": 1_000, "currency": "CNY"}, "reason": "sorry"}
    done = await stack.api.post(f"/api/v1/returns/{number}/compensate", json=small, headers=agent)
    assert done.status_code == 200, done.text
    assert "goodwill.succeeded" in [e["type"] for e in done.json()["timeline"]]
    key_only = await stack.api.post(f"/api/v1/returns/{number}/compensate", json=small)
    assert key_only.status_code == 403


async def test_json_override_is_for_supervisors(stack: Stack) -> None:
    created = await stack.open_return(await stack.order(delivered_days_ago=40))
    number = str(created.json()["number"])
    await stack.reach(number, "rejected")
    body = {"reason": "courier delay was ours"}
    agent = await stack.api.post(f"/api/v1/returns/{number}/override", json=body, headers=await stack.staff("agent"))
    assert agent.status_code == 403
    boss = await stack.api.post(
        f"/api/v1/returns/{number}/override", json=body, headers=await stack.staff("supervisor")
    )
    assert boss.status_code == 200, boss.text
    assert "overridden" in [e["type"] for e in boss.json()["timeline"]]
