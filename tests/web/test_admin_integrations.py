"""The admin's merchant-integration pages: webhook endpoints (register with the secret shown once, the delivery
log, resend with the same webhook-id, secret rotation) and the orders upload with its row-by-row report."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from temporalio.client import Client

from core.settings import Settings
from db.models import AuditEntry, Order
from tests.support.html import csrf_from, field_error
from tests.support.stack import Stack, running_stack
from tests.support.webhook_receiver import Receiver, Receivers, delivery_outcomes
from tests.web.workspace_support import staff_browser

EXAMPLE = (Path(__file__).resolve().parents[2] / "docs" / "orders-example.csv").read_bytes()


@pytest.fixture
def receivers() -> Receivers:
    return Receivers(Receiver("erp.test"))


@pytest.fixture
async def wired(e2e_settings: Settings, temporal_client: Client, receivers: Receivers) -> AsyncIterator[Stack]:
    settings = e2e_settings.model_copy(update={"webhook_relay_interval_s": 0.1})
    async with running_stack(settings, temporal_client, webhook_client=receivers.client) as running:
        yield running


async def audited(stack: Stack, actor: str) -> list[str]:
    async with stack.sessionmaker() as s:
        return list(await s.scalars(select(AuditEntry.action).where(AuditEntry.actor == actor).order_by(AuditEntry.id)))


async def test_admin_registers_an_endpoint_reads_its_log_resends_and_rotates(
    wired: Stack, receivers: Receivers
) -> None:
    admin = await staff_browser(wired, "admin", "root")
    page = await admin.get("/admin/webhooks")
    assert page.status_code == 200 and "No endpoint yet" in page.text
    token = csrf_from(page.text)
    refused = await admin.post("/admin/webhooks", data={"csrf_token": token, "url": "ftp://erp.test/hooks"})
    assert refused.status_code == 422
    assert field_error(refused.text, "url") and field_error(refused.text, "events")
    assert 'value="ftp://erp.test/hooks"' in refused.text  # what was typed is kept
    erp = receivers.by_host["erp.test"]
    made = await admin.post(
        "/admin/webhooks",
        data={
            "csrf_token": token,
            "url": erp.url,
            "description": "ERP",
            "events": ["return.created", "return.approved"],
        },
    )
    secret = re.search(r"<code>(whsec_[^<]+)</code>", made.text)
    assert made.status_code == 200 and secret is not None
    assert secret.group(1) not in (await admin.get("/admin/webhooks")).text  # shown once only
    erp.secret = secret.group(1)
    number = (await wired.open_return(await wired.order())).json()["number"]
    await erp.wait_for(2)  # both subscribed events arrive, signed with the secret the page showed
    assert await delivery_outcomes(wired.temporal, erp, 1) == {"succeeded"}
    log = await admin.get("/admin/webhooks/1")
    assert log.status_code == 200
    assert log.text.count('<span class="badge good">succeeded</span>') == 2 and f"{number} #1" in log.text
    resend = re.findall(r'action="(/admin/webhooks/1/deliveries/\d+/resend)"', log.text)
    assert len(resend) == 2
    again = await admin.post(resend[0], data={"csrf_token": token})
    assert again.status_code == 303 and again.headers["location"] == "/admin/webhooks/1"
    await erp.wait_for_requests(3)  # the resent delivery: the same webhook-id a second time
    assert sorted(erp.ids.values()) == [1, 2]
    rotated = await admin.post("/admin/webhooks/1/rotate", data={"csrf_token": token})
    fresh = re.search(r"<code>(whsec_[^<]+)</code>", rotated.text)
    assert rotated.status_code == 200 and fresh is not None and fresh.group(1) != erp.secret
    assert "also signs until" in rotated.text
    assert await audited(wired, "root") == [
        "webhook_endpoint.create",
        "webhook_delivery.resend",
        "webhook_endpoint.rotate_secret",
    ]
    agent = await staff_browser(wired, "agent")
    assert (await agent.get("/admin/webhooks")).status_code == 403
    assert (await agent.get("/admin/webhooks/1")).status_code == 403


async def orders(stack: Stack) -> int:
    async with stack.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(Order)) or 0)


async def upload(client: httpx.AsyncClient, content: bytes | None, token: str) -> httpx.Response:
    files = {"file": ("orders.csv", content, "text/csv")} if content is not None else None
    return await client.post("/admin/orders/import", data={"csrf_token": token}, files=files)


async def test_admin_uploads_orders_and_reads_each_refused_row(stack: Stack) -> None:
    admin = await staff_browser(stack, "admin", "root")
    page = await admin.get("/admin/orders/import")
    token = csrf_from(page.text)
    assert (await upload(admin, None, token)).status_code == 422
    bare = await upload(admin, b"order_number,email\nX-1,a@example.com\n", token)
    assert bare.status_code == 422 and "lacks the column(s)" in (field_error(bare.text, "file") or "")
    assert await orders(stack) == 0
    good = EXAMPLE.rstrip(b"\n").split(b"\n")
    bad = good[1].replace(b"SO-10001", b"SO-BAD").replace(b",129.00,", b",12x,")
    got = await upload(admin, b"\n".join([*good, bad]) + b"\n", token)
    assert got.status_code == 200
    expected = len({row.split(b",")[0] for row in good[1:]})
    assert f"{len(good) - 1} rows imported, 0 updated, 1 refused." in got.text
    refused = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", got.text)
    assert refused == [(str(len(good) + 1), "SO-BAD", "unit_price: &#39;12x&#39; is not an amount in CNY")]
    assert await orders(stack) == expected
    again = await upload(admin, EXAMPLE, token)  # the same file again updates, never duplicates
    assert f"0 rows imported, {len(good) - 1} updated, 0 refused." in again.text
    assert await orders(stack) == expected
    assert await audited(stack, "root") == ["orders.import", "orders.import"]
    finance = await staff_browser(stack, "finance")
    assert (await finance.get("/admin/orders/import")).status_code == 403
