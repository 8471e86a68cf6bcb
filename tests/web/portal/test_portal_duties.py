"""A cross-border customer who pays the import duty sees the estimate in plain words before shipping; when the
merchant pays, the status page says nothing about duties."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from core.settings import Settings
from services.case_links import case_url
from tests.e2e.test_customs import hk_order
from tests.support.policies import with_policy
from tests.support.stack import API_BASE, Stack, running_stack


@pytest.fixture
async def customer_pays(e2e_settings: Settings, temporal_client: Client, tmp_path: Path) -> AsyncIterator[Stack]:
    """A merchant whose policy leaves import duty and tax on cross-border returns to the customer."""
    settings = with_policy(e2e_settings, tmp_path, "customer-pays-duty", customs={"duties_payer": "customer"})
    async with running_stack(settings, temporal_client) as running:
        yield running


async def status_page(stack: Stack, number: str, lang: str = "en") -> str:
    """The customer's status page, opened from the link in their mail, in `lang`."""
    secret = stack.settings.session_secret.get_secret_value()
    link = case_url(API_BASE, secret, number)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=stack.api_app), base_url=API_BASE, follow_redirects=True
    ) as web:
        assert (await web.get(link)).status_code == 200
        page = await web.get(f"/returns/{number}", params={"lang": lang})
    assert page.status_code == 200, page.text
    return page.text


async def test_the_customer_who_pays_sees_the_duty_estimate_before_shipping(customer_pays: Stack) -> None:
    stack = customer_pays
    number = (await stack.open_return(await stack.order(**hk_order()))).json()["number"]
    await stack.reach(number, "awaiting_shipment")
    customs = (await stack.case(number))["customs"]
    assert customs["payer"] == "customer" and customs["duty"]["amount"] > 0
    page = await status_page(stack, number)
    assert 'id="duties"' in page
    assert "the import duty and tax are yours to pay: about CN¥" in page
    assert "the final amount is set by customs" in page
    assert "进口关税和税款由您支付：约 ¥" in await status_page(stack, number, "zh-Hans")  # the customer's language


async def test_when_the_merchant_pays_duties_are_not_mentioned(stack: Stack) -> None:
    number = (await stack.open_return(await stack.order(**hk_order()))).json()["number"]
    await stack.reach(number, "awaiting_shipment")
    assert (await stack.case(number))["customs"]["payer"] == "merchant"
    page = await status_page(stack, number)
    assert 'id="duties"' not in page and "duty" not in page.lower()
