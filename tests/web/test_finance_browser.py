"""Finance in a real browser on the live stack: two refunds paid through the sandbox provider, its settlement
report tampered with (one refund left out, one we never asked for), uploaded by finance, reviewed and exported."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from datetime import UTC, datetime

from playwright.async_api import Browser, FilePayload, expect

from tests.support.browser import artefact, page_context
from tests.support.stack import Stack

PASSWORD = "a long staff password"  # what Stack.staff gives its users


async def _refunded(live: Stack, amount: int) -> str:
    """A card-paid return taken to completed: the provider really paid the refund."""
    order = await live.order(amount=amount)
    created = await live.open_return(order)
    assert created.status_code == 201, created.text
    number: str = created.json()["number"]
    await live.through_to_refund(number)
    return number


async def _tampered_report(live: Stack) -> tuple[bytes, str]:
    """The provider's report for today minus one of our refunds, plus a refund we never asked for."""
    today = str(datetime.now(UTC).date())
    got = await live.sandbox.get("/payments/settlements", params={"from": today, "to": today})
    assert got.status_code == 200
    rows = list(csv.reader(io.StringIO(got.text)))
    header, body = rows[0], rows[1:]
    refunds = [r for r in body if r[header.index("type")] == "refund"]
    assert len(refunds) == 2
    dropped = refunds[1]
    stranger = list(refunds[0])
    stranger[header.index("id")], stranger[header.index("reference")] = "re_not_ours", "someone-else"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *[r for r in body if r is not dropped], stranger])
    return out.getvalue().encode(), dropped[header.index("reference")]


async def test_finance_uploads_a_report_sees_discrepancies_and_chart_and_downloads_xlsx(
    browser: Browser, live: Stack
) -> None:
    await asyncio.gather(_refunded(live, 12_900), _refunded(live, 4_500))
    await live.staff("finance")  # finance-e2e
    data, dropped_reference = await _tampered_report(live)

    async with page_context(browser, live.settings.public_base_url) as context:
        page = await context.new_page()
        await page.goto("/finance")
        assert page.url.endswith("/login?next=/finance")
        await page.get_by_label("Username").fill("finance-e2e")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Finance overview")
        chart = page.locator("#cur-CNY svg.chart-svg")
        await expect(chart).to_be_visible()
        assert await chart.locator("rect.bar.refunds").count() >= 1  # today's two refunds, drawn as a bar
        await page.screenshot(path=artefact("finance", "overview.png"), full_page=True)

        await page.get_by_role("link", name="Reconciliation").click()
        await page.get_by_label("Settlement report (CSV, UTF-8)").set_input_files(
            files=[FilePayload(name="settlement.csv", mimeType="text/csv", buffer=data)]
        )
        await page.get_by_role("button", name="Reconcile").click()
        await expect(page.get_by_role("status")).to_contain_text("1 matched, 2 discrepancies")
        table = page.locator("table.discrepancies")
        await expect(table.locator("tr.missing_at_provider")).to_contain_text(dropped_reference)
        await expect(table.locator("tr.unknown_at_provider")).to_contain_text("re_not_ours")
        outcome = page.locator("#outcomes svg.chart-svg")
        await expect(outcome).to_be_visible()
        assert await outcome.locator("rect.bar").count() == 3  # matched, missing, unknown
        await page.screenshot(path=artefact("finance", "run.png"), full_page=True)

        row = table.locator("tr.unknown_at_provider")
        await row.get_by_label("How was it resolved?").fill("Test payout by the provider's support; reversed.")
        await row.get_by_role("button", name="Resolve").click()
        await expect(page.get_by_role("status")).to_have_text("Discrepancy resolved.")
        await expect(table.locator("tr.unknown_at_provider")).to_contain_text("reversed")

        async with page.expect_download() as info:
            await page.get_by_role("link", name="Download XLSX").click()
        download = await info.value
        saved = artefact("finance", download.suggested_filename)
        await download.save_as(saved)
        with zipfile.ZipFile(saved) as book:
            strings = book.read("xl/sharedStrings.xml").decode()
        assert "re_not_ours" in strings and dropped_reference in strings and "reversed" in strings

        await page.goto(page.url.split("#")[0] + "?lang=zh-Hant")
        await expect(page.get_by_role("heading", level=1)).to_contain_text("對帳批次")
        await page.screenshot(path=artefact("finance", "run-zh-Hant.png"), full_page=True)
