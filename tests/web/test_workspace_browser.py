"""The agent workspace in Debian's Chromium against the live stack: sign in, search, inspect, override, bulk."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, BrowserContext, Page, expect

from services.access import create_staff_user
from tests.support.browser import artefact, page_context
from tests.support.stack import Stack

PASSWORD = "a long staff password"


async def _sign_in(live: Stack, context: BrowserContext, role: str, username: str) -> Page:
    async with live.sessionmaker() as s:
        await create_staff_user(s, username, PASSWORD, role)
        await s.commit()
    page = await context.new_page()
    await page.goto("/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{live.settings.public_base_url}/workspace")
    return page


async def _review_case(live: Stack) -> str:
    created = await live.open_return(await live.order(), reason="other")  # who is at fault: an agent decides
    assert created.status_code == 201, created.text
    return str(created.json()["number"])


async def test_agent_finds_a_case_by_tracking_number_and_records_the_inspection(browser: Browser, live: Stack):
    number = str((await live.open_return(await live.order(amount=25_900))).json()["number"])
    await live.reach(number, "awaiting_shipment")
    tracking = (await live.case(number))["shipments"][0]["tracking_number"]
    await live.advance(tracking, "delivered")
    await live.reach(number, "received")
    async with page_context(browser, live.settings.public_base_url) as context:
        page = await _sign_in(live, context, "agent", "ana")
        await page.get_by_label("Search").fill(tracking)
        await page.get_by_role("button", name="Show cases").click()
        await expect(page.locator("#total")).to_have_text("1 cases")
        await page.get_by_role("link", name=number).click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text(number)
        await expect(page.locator(".tracking")).to_have_text(tracking)
        await page.get_by_label("Grade").select_option("B")
        await page.get_by_label("Notes").fill("outer box opened, item like new")
        await page.screenshot(path=artefact("workspace", "case-received.png"), full_page=True)
        await page.get_by_role("button", name="Record inspection").click()
        await expect(page.locator(".flash")).to_have_text("The inspection is recorded.")
        await live.reach(number, "completed")
        await page.reload()
        refund = page.locator('#timeline li[data-type="refund.succeeded"]')
        await expect(refund).to_be_visible()
        await expect(page.locator("#refunds")).to_contain_text("succeeded")
        await page.screenshot(path=artefact("workspace", "case-refunded.png"), full_page=True)


async def test_a_supervisor_overrides_a_rejection(browser: Browser, live: Stack):
    number = await _review_case(live)
    await live.reach(number, "pending_review")
    agent = await live.staff("agent")
    rejected = await live.api.post(f"/api/v1/returns/{number}/reject", json={"reason": "worn"}, headers=agent)
    assert rejected.status_code == 200, rejected.text
    async with page_context(browser, live.settings.public_base_url) as context:
        page = await _sign_in(live, context, "supervisor", "sue")
        await page.goto(f"/workspace/cases/{number}")
        await expect(page.locator("#case-status")).to_have_text("Rejected")
        await page.get_by_label("Why the policy is overridden").fill("loyal customer; photos are ambiguous")
        await page.get_by_role("button", name="Override and approve").click()
        await expect(page.locator(".flash")).to_have_text("The rejection is overridden: the return is approved.")
        await expect(page.locator('#timeline li[data-type="overridden"]')).to_contain_text("sue")
        await page.screenshot(path=artefact("workspace", "override.png"), full_page=True)
    await live.reach(number, "awaiting_shipment")


async def test_bulk_approve_of_fifty_cases_reports_each_result(browser: Browser, live: Stack):
    numbers = [await _review_case(live) for _ in range(50)]
    await asyncio.gather(*(live.reach(n, "pending_review") for n in numbers))
    async with page_context(browser, live.settings.public_base_url) as context:
        page = await _sign_in(live, context, "agent", "ana")
        await page.goto("/workspace?view=review")
        await expect(page.locator("#total")).to_have_text("50 cases")
        await page.get_by_label("Select all cases on this page").check()
        await page.screenshot(path=artefact("workspace", "queue-review.png"))
        await page.get_by_label("Action", exact=True).select_option("approve")
        await page.get_by_role("button", name="Apply to selected").click()
        await expect(page.locator("#summary")).to_have_text("50 of 50 cases done.", timeout=60_000)
        await expect(page.locator('#results tr[data-outcome="done"]')).to_have_count(50)
        await page.screenshot(path=artefact("workspace", "bulk-approve.png"), full_page=True)
    statuses = {(await live.case(n))["status"] for n in numbers}
    assert statuses <= {"approved", "awaiting_shipment"}


async def test_an_agent_without_the_right_gets_a_clear_refusal(browser: Browser, live: Stack):
    number = str((await live.open_return(await live.order(amount=90_000))).json()["number"])
    await live.reach(number, "awaiting_shipment")
    async with page_context(browser, live.settings.public_base_url) as context:
        page = await _sign_in(live, context, "agent", "ana")
        response = await page.goto("/admin")
        assert response is not None and response.status == 403
        await expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this")
        await page.goto(f"/workspace/cases/{number}")
        await page.get_by_label("Amount in CNY").fill("500")
        await page.get_by_label("Why goodwill is given").fill("sorry for the wait")
        await page.get_by_role("button", name="Give goodwill").click()
        await expect(page.locator("#refusal")).to_contain_text("needs a supervisor")
        await page.screenshot(path=artefact("workspace", "goodwill-refused.png"), full_page=True)
