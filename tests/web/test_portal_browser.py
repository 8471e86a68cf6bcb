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


async def tab_to(page: Page, element_id: str, limit: int = 25) -> None:
    """Press Tab until the element has the focus, as a keyboard user would (fails if it is never reached)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


async def fits_the_screen(page: Page) -> bool:
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


async def test_a_keyboard_only_customer_on_a_phone_finds_the_order_and_is_told_what_to_fix(
    browser: Browser, live: Stack
):
    order = await live.order(customer={"email": "kim@example.com", "name": "Kim", "locale": "en"})
    async with page_context(browser, live.settings.public_base_url, locale="en-GB") as context:
        page = await context.new_page()
        await page.set_viewport_size(PHONE)
        await page.goto("/returns")
        assert await fits_the_screen(page)  # nothing to scroll sideways at phone width
        await tab_to(page, "f-order_number")
        await page.keyboard.type(order["number"])
        await tab_to(page, "f-contact")
        await page.keyboard.type("someone.else@example.com")
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#error-summary")
        number, contact = page.locator("#f-order_number"), page.locator("#f-contact")
        # The message sits next to the field it is about, is announced with it, and the typed input is kept.
        assert await number.get_attribute("aria-invalid") == "true"
        assert "e-order_number" in (await number.get_attribute("aria-describedby") or "")
        assert await page.locator("#e-order_number").is_visible()
        assert await contact.input_value() == "someone.else@example.com"
        assert await number.input_value() == order["number"]
        await page.locator("#error-summary a").first.focus()
        await page.keyboard.press("Enter")  # the summary's link takes the keyboard to the field
        assert await page.evaluate("document.activeElement.id") == "f-order_number"
        await shoot(page, "en", "keyboard-error")
        await page.set_viewport_size(PHONE)
        await contact.fill("")
        await contact.focus()
        await page.keyboard.type("kim@example.com")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/returns/new")
        assert await fits_the_screen(page)
        await tab_to(page, "f-qty.0")
        await page.keyboard.press("ArrowDown")  # a native select: the arrow keys choose
        assert await page.locator("select[name='qty.0']").input_value() == "1"
