"""Browser tests: the whole stack served on a loopback port, and one headless Chromium for the session."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser
from temporalio.client import Client

from core.settings import Settings
from tests.support.browser import chromium, chromium_available
from tests.support.postgres import free_port
from tests.support.servers import serve
from tests.support.stack import Stack, running_stack


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not chromium_available():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required in CI (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    async with chromium() as b:
        yield b


@pytest.fixture
async def live(e2e_settings: Settings, temporal_client: Client) -> AsyncIterator[Stack]:
    """The whole stack (API, worker, sandbox partners) with the API and pages on a real loopback port."""
    port = free_port()
    settings = e2e_settings.model_copy(update={"api_port": port, "public_base_url": f"http://127.0.0.1:{port}"})
    async with running_stack(settings, temporal_client) as running, serve(running.api_app, port, lifespan=False):
        yield running
