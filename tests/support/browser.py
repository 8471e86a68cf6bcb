"""Debian's Chromium driven by Playwright (never `playwright install`: nothing is downloaded)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, ViewportSize, async_playwright

from core.settings import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Without the network flags Chromium keeps calling home, which floods a closed network with refused connections.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTEFACTS = ROOT / "tests" / "artefacts"  # screenshots for review; ignored by git
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def chromium_available() -> bool:
    return CHROMIUM.exists() or shutil.which("chromium") is not None


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def page_context(
    browser: Browser, base_url: str, *, phone: bool = False, locale: str = "en-GB"
) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(
        base_url=base_url,
        viewport=PHONE if phone else DESKTOP,
        locale=locale,
        is_mobile=phone,
        has_touch=phone,
    )
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        await context.close()


def artefact(*parts: str) -> Path:
    path = ARTEFACTS.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
