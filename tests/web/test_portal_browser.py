"""The customer portal in Debian's Chromium against the whole live stack: file a return with a photo in each
language, get the label and QR code, and watch the status move when the carrier moves the parcel.
Screenshots of every step, at desktop and phone width, go to tests/artefacts/portal/ for review."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Browser, Page

from api.web import i18n
from tests.support.browser import DESKTOP, PHONE, artefact, page_context
from tests.support.stack import Stack

# language -> (the order's language, the browser's, how the page gets there)
FLOWS = {
    "en": ("en", "en-GB", ""),
    "zh-Hant": ("en", "en-GB", "?lang=zh-Hant"),  # the switcher beats the order's language
    "zh-Hans": ("zh-CN", "zh-CN", ""),  # the order's language
}


def said(locale: i18n.Locale, text: str) -> str:
    return i18n.translations(locale).ugettext(text)


async def shoot(page: Page, lang: str, step: str) -> None:
    """This step at desktop width, then at phone width (the same page, resized)."""
    await page.screenshot(path=artefact("portal", f"{lang}-{step}-desktop.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=artefact("portal", f"{lang}-{step}-phone.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)


def photo(tmp_path: Path) -> Path:
    path = tmp_path / "scuff.jpg"
    Image.new("RGB", (640, 480), (180, 30, 30)).save(path, format="JPEG")
    return path


@pytest.mark.parametrize("lang", list(FLOWS))
async def test_file_a_return_end_to_end(browser: Browser, live: Stack, lang: i18n.Locale, tmp_path: Path):
    order_locale, browser_locale, switch = FLOWS[lang]
    order = await live.order(customer={"email": "amy@example.com", "name": "Amy", "locale": order_locale})
    async with page_context(browser, live.settings.public_base_url, locale=browser_locale) as context:
        page = await context.new_page()
        await page.goto("/returns" + switch)
        assert await page.evaluate("document.documentElement.lang") == lang
        await page.fill("#f-order_number", order["number"])
        await page.fill("#f-contact", "amy@example.com")
        await shoot(page, lang, "1-find")
        await page.click("form[action='/returns'] button[type=submit]")
        await page.select_option("select[name='qty.0']", "1")
        await page.select_option("select[name='reason.0']", "wrong_size")
        await page.fill("textarea[name='comment.0']", "太小了 / too small")
        await shoot(page, lang, "2-items")
        await page.click("form[action='/returns/check'] button[type=submit]")
        assert said(lang, "Check and confirm") in await page.locator("h1").inner_text()
        await page.set_input_files("#f-photos", photo(tmp_path))
        await shoot(page, lang, "3-review")
        await page.click("form[action='/returns/confirm'] button[type=submit]")
        await page.wait_for_url("**/returns/*-*")
        number = page.url.rsplit("/", 1)[1].split("?")[0]
        assert await page.locator(".flash").inner_text() == said(lang, "Thank you: your return is filed.")
        assert await page.locator(".photos img").count() == 1
        await shoot(page, lang, "4-confirmed")
        await live.reach(number, "awaiting_shipment")
        await page.reload()
        assert await page.locator("#status").inner_text() == said(lang, "Waiting for you to send the parcel")
        assert await page.locator(".qr").evaluate("img => img.complete && img.naturalWidth > 0")
        label = await page.request.get(f"/returns/{number}/label.pdf")
        assert label.status == 200 and (await label.body()).startswith(b"%PDF")
        await shoot(page, lang, "5-label")
        tracking = (await live.case(number))["shipments"][0]["tracking_number"]
        await live.advance(tracking, "in_transit")
        await live.reach(number, "in_transit")  # the carrier's webhook became a signal; its projection is written
        await page.reload()
        assert await page.locator("#status").inner_text() == said(lang, "On its way to us")
        await shoot(page, lang, "6-in-transit")
