"""Bulk actions, the complaints queue, the admin page, and the audit trail of JSON actions."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from db.models import AuditEntry, Complaint, MailOutbox
from services.case_views import get_case
from services.feedback import raise_complaint
from tests.support.html import csrf_from, field_error
from tests.support.stack import API_BASE, Stack
from tests.web.workspace_support import staff_browser


async def test_bulk_approve_reports_each_case(stack: Stack) -> None:
    waiting = []
    for _ in range(3):
        created = await stack.open_return(await stack.order(), reason="other")
        waiting.append(str(created.json()["number"]))
    moving = str((await stack.open_return(await stack.order(email="lee@example.com"))).json()["number"])
    for number in waiting:
        await stack.reach(number, "pending_review")
    await stack.reach(moving, "awaiting_shipment")
    agent = await staff_browser(stack, "agent")
    queue = await agent.get("/workspace")
    data = {"csrf_token": csrf_from(queue.text), "bulk_action": "approve", "bulk_reason": "checked"}
    got = await agent.post("/workspace/bulk", data={**data, "cases": [*waiting, moving]})
    assert got.status_code == 200
    rows = {n: o for o, n in re.findall(r'<tr data-outcome="(\w+)"><td><a href="/workspace/cases/([^"]+)"', got.text)}
    assert rows == {**dict.fromkeys(waiting, "done"), moving: "refused"}
    assert "3 of 4 cases done." in got.text
    assert "only a case waiting for review can be approved" in got.text
    for number in waiting:
        assert (await stack.case(number))["status"] in ("approved", "awaiting_shipment")


async def test_bulk_cancel_needs_a_reason_and_a_selection(stack: Stack) -> None:
    agent = await staff_browser(stack, "agent")
    queue = await agent.get("/workspace")
    got = await agent.post("/workspace/bulk", data={"csrf_token": csrf_from(queue.text), "bulk_action": "cancel"})
    assert got.status_code == 422
    assert field_error(got.text, "cases") == "Select at least one case."
    assert field_error(got.text, "bulk_reason") == "Please give the reason for cancelling."


async def test_a_complaint_is_resolved_only_with_a_reply_that_joins_the_timeline(stack: Stack) -> None:
    number = str((await stack.open_return(await stack.order())).json()["number"])
    await stack.reach(number, "awaiting_shipment")
    async with stack.sessionmaker() as s:
        complaint = await raise_complaint(
            s, await get_case(s, number), "courier", "The courier never came", now=datetime.now(UTC)
        )
        await s.commit()
    agent = await staff_browser(stack, "agent", "ana")
    queue = await agent.get("/workspace/complaints")
    assert "The courier never came" in queue.text and "due in" in queue.text
    counts = await agent.get("/workspace")
    assert 'data-count="complaints">1<' in counts.text
    token = csrf_from(queue.text)
    empty = await agent.post(f"/workspace/complaints/{complaint.id}/resolve", data={"csrf_token": token})
    assert empty.status_code == 422
    assert field_error(empty.text, f"reply_{complaint.id}") == "Write the reply the customer will read."
    reply = {"csrf_token": token, f"reply_{complaint.id}": "We booked a new pickup for tomorrow."}
    done = await agent.post(f"/workspace/complaints/{complaint.id}/resolve", data=reply)
    assert done.status_code == 303
    async with stack.sessionmaker() as s:
        stored = await s.get(Complaint, complaint.id)
        assert stored is not None and (stored.status, stored.resolved_by) == ("resolved", "ana")
        audit = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "complaint.resolve"))).one()
        assert audit.case_number == number and audit.actor == "ana"
        mail = (await s.scalars(select(MailOutbox).where(MailOutbox.template == "complaint_reply"))).one()
        assert mail.to_address == "mei@example.com" and mail.context["reply"] == "We booked a new pickup for tomorrow."
    timeline = (await stack.case(number))["timeline"]
    assert {"reply": "We booked a new pickup for tomorrow."} in [e["data"] for e in timeline]
    assert "No open complaint." in (await agent.get("/workspace/complaints")).text


async def test_admin_manages_staff_and_keys_and_every_change_is_audited(stack: Stack) -> None:
    admin = await staff_browser(stack, "admin", "root")
    page = await admin.get("/admin")
    token = csrf_from(page.text)
    created = await admin.post(
        "/admin/staff", data={"csrf_token": token, "username": "newbie", "password": "long enough pw", "role": "agent"}
    )
    assert created.status_code == 303
    twice = await admin.post(
        "/admin/staff", data={"csrf_token": token, "username": "newbie", "password": "long enough pw", "role": "agent"}
    )
    assert twice.status_code == 422 and "already a staff user" in twice.text
    newbie = await staff_browser(stack, "agent", "newbie")  # (re)sets the password and signs in
    assert (await newbie.get("/workspace")).status_code == 200
    off = await admin.post("/admin/staff/newbie/active", data={"csrf_token": token, "active": "0"})
    assert off.status_code == 303
    assert (await newbie.get("/workspace")).status_code == 303  # signed out at the next page
    key_page = await admin.post(
        "/admin/keys", data={"csrf_token": token, "key_name": "shop", "scopes": ["returns:read"]}
    )
    raw = re.search(r"<code>(rk_[^<]+)</code>", key_page.text)
    assert key_page.status_code == 200 and raw
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.api_app), base_url=API_BASE) as api:
        headers = {"Authorization": f"Bearer {raw.group(1)}"}
        assert (await api.get("/api/v1/returns", headers=headers)).status_code == 200
        assert raw.group(1) not in (await admin.get("/admin")).text  # shown once only
        key_id = re.findall(r'action="/admin/keys/(\d+)/revoke"', (await admin.get("/admin")).text)[0]
        revoked = await admin.post(f"/admin/keys/{key_id}/revoke", data={"csrf_token": token})
        assert revoked.status_code == 303
        assert (await api.get("/api/v1/returns", headers=headers)).status_code in (401, 403)
    async with stack.sessionmaker() as s:
        actions = [a.action for a in await s.scalars(select(AuditEntry).where(AuditEntry.actor == "root"))]
    assert actions == ["staff.create", "staff.deactivate", "api_key.create", "api_key.revoke"]
    agent = await staff_browser(stack, "agent")
    assert (await agent.get("/admin")).status_code == 403


async def test_json_actions_are_audited_done_and_refused(stack: Stack) -> None:
    created = await stack.open_return(await stack.order(), reason="other")
    number = str(created.json()["number"])
    await stack.reach(number, "pending_review")
    agent = await stack.staff("agent")
    assert (await stack.api.post(f"/api/v1/returns/{number}/notes", json={"text": "hi"})).status_code == 403
    ok = await stack.api.post(f"/api/v1/returns/{number}/approve", json={"reason": "fine"}, headers=agent)
    assert ok.status_code == 200
    again = await stack.api.post(f"/api/v1/returns/{number}/approve", json={}, headers=agent)
    assert again.status_code == 409
    async with stack.sessionmaker() as s:
        rows = list(await s.scalars(select(AuditEntry).where(AuditEntry.case_number == number).order_by(AuditEntry.id)))
    got = [(a.actor, a.actor_role, a.action, a.outcome) for a in rows]
    assert got == [
        ("e2e", "integration", "case.note", "refused"),
        ("agent-e2e", "agent", "case.approve", "done"),
        ("agent-e2e", "agent", "case.approve", "refused"),
    ]
    before = rows[1].before or {}
    assert before["status"] == "pending_review" and before["assignee_id"] is None
    assert rows[1].after and rows[1].after["status"] == "approved" and rows[1].reason == "fine"
    assert rows[1].ip
