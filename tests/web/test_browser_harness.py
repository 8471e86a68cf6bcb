"""The browser harness itself: Debian's Chromium reaches the live stack and draws Chinese text."""

from __future__ import annotations

from playwright.async_api import Browser

from tests.support.browser import artefact, page_context
from tests.support.stack import Stack


async def test_chromium_renders_a_chinese_page_from_the_live_stack(browser: Browser, live: Stack):
    async with page_context(browser, live.settings.public_base_url, locale="zh-TW") as context:
        page = await context.new_page()
        response = await page.goto("/no-such-page")
        assert response is not None and response.status == 404
        heading = page.get_by_role("heading", level=1)
        assert (await heading.inner_text()).strip() == "找不到這個頁面"
        assert await page.evaluate("document.documentElement.lang") == "zh-Hant"
        await page.screenshot(path=artefact("harness", "not-found-zh-Hant.png"))
