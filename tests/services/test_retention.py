"""Retention and data rights: once every case of an order is closed past the retention period, the customer's
name, contact, address and what they wrote are gone; money and audit rows stay. A customer can be exported and
erased on request by an admin, and both are audited."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from cli import app as cli_app
from core.settings import Settings
from db.models import AuditEntry, Customer, LedgerEntry, Order, ReturnCase, ReturnItem
from services.access import create_staff_user
from tests.support.builders import order_payload

pytestmark = pytest.mark.parametrize("db_template", ["sqlite"], indirect=True)
DAY = timedelta(days=1)


async def _case(client: httpx.AsyncClient, email: str, comment: str = "the zip broke") -> tuple[str, str]:
    """An order and a return on it (through the API), as a customer files them."""
    order = order_payload(email=email)
    assert (await client.post("/api/v1/orders", json=order)).status_code == 201
    item = {"line_id": "L1", "quantity": 1, "reason": "defective", "comment": comment}
    body = {"order_number": order["number"], "email": email, "items": [item], "resolution": "refund"}
    created = await client.post("/api/v1/returns", json=body)
    assert created.status_code == 201, created.text
    return order["number"], created.json()["number"]


async def _close(sessionmaker: Any, number: str, days_ago: int, status: str = "completed") -> None:
    """The case closed `days_ago` (its workflow's last projection write), with a refund in the ledger."""
    async with sessionmaker() as s:
        at = datetime.now(UTC) - days_ago * DAY
        await s.execute(update(ReturnCase).where(ReturnCase.number == number).values(status=status, updated_at=at))
        case_id = await s.scalar(select(ReturnCase.id).where(ReturnCase.number == number))
        for account, amount in (("refunds", 1000), ("cash", -1000)):
            s.add(LedgerEntry(txn_id=f"rf-{number}", case_id=case_id, type="refund", account=account,
                              amount_minor=amount, currency="CNY", at=at))  # fmt: skip
        await s.commit()


async def _order(sessionmaker: Any, number: str) -> tuple[Order, Customer, list[str | None]]:
    async with sessionmaker() as s:
        order = (await s.scalars(select(Order).where(Order.number == number))).one()
        customer = await s.get(Customer, order.customer_id)
        assert customer is not None
        stmt = select(ReturnItem.comment).join(ReturnCase).where(ReturnCase.order_id == order.id)
        return order, customer, list(await s.scalars(stmt))


async def _count(sessionmaker: Any, model: Any) -> int:
    async with sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


def _redact_cli(settings: Settings) -> str:
    env = {"REBOUND_DATABASE_URL": settings.database_url, "REBOUND_VAR_DIR": str(settings.var_dir)}
    result = CliRunner().invoke(cli_app, ["redact", "--days", "30"], env=env)
    assert result.exit_code == 0, result.output
    return result.output


async def test_closed_past_retention_is_redacted_and_money_and_audit_stay(
    client: httpx.AsyncClient, sessionmaker: Any, settings: Settings
) -> None:
    old_order, old_case = await _case(client, "old@example.com")
    recent_order, recent_case = await _case(client, "recent@example.com")
    open_order, _ = await _case(client, "open@example.com")
    await _close(sessionmaker, old_case, days_ago=40)
    await _close(sessionmaker, recent_case, days_ago=5)
    ledger = await _count(sessionmaker, LedgerEntry)

    output = await asyncio.to_thread(_redact_cli, settings)  # `rebound redact --days 30`, as a nightly job runs it

    assert "1 orders and 1 cases redacted, 1 customers anonymised" in output
    order, customer, comments = await _order(sessionmaker, old_order)
    assert order.ship_to == {"country": "CN", "redacted": True} and order.redacted_at is not None
    assert (customer.name, customer.phone) == ("[redacted]", None)
    assert customer.email.endswith("@invalid.example") and comments == [None]
    for kept in (recent_order, open_order):
        order, customer, comments = await _order(sessionmaker, kept)
        assert order.ship_to["line1"] == "1 Road" and customer.name == "Mei Lin" and comments == ["the zip broke"]
    assert await _count(sessionmaker, LedgerEntry) == ledger  # accounting keeps every leg
    async with sessionmaker() as s:
        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "retention.redact"))).one()
    assert entry.after is not None and entry.after["orders"] == [old_order] and entry.after["cases"] == [old_case]
    assert "0 orders" in await asyncio.to_thread(_redact_cli, settings)  # a second run finds nothing left to do


@pytest.fixture
async def admin(client: httpx.AsyncClient, sessionmaker: Any) -> dict[str, str]:
    async with sessionmaker() as s:
        await create_staff_user(s, "root", "a long admin password", "admin")
        await s.commit()
    got = await client.post("/api/v1/auth/token", json={"username": "root", "password": "a long admin password"})
    return {"Authorization": f"Bearer {got.json()['access_token']}"}


async def test_admin_exports_then_erases_a_customer_on_request(
    client: httpx.AsyncClient, sessionmaker: Any, admin: dict[str, str]
) -> None:
    order_number, case_number = await _case(client, "ask@example.com", comment="call me on +8613800000000")
    exported = await client.post("/api/v1/customers/export", json={"email": "ASK@example.com"}, headers=admin)
    assert exported.status_code == 200, exported.text
    data = exported.json()
    assert data["customer"]["phone"] == "+8613800000000" and data["orders"][0]["ship_to"]["line1"] == "1 Road"
    assert data["items"] == [{"case": case_number, "reason": "defective", "quantity": 1,
                              "comment": "call me on +8613800000000"}]  # fmt: skip

    erase = {"email": "ask@example.com", "reason": "ticket 4711: the customer asked to be forgotten"}
    refused = await client.post("/api/v1/customers/erase", json=erase, headers=admin)
    assert refused.status_code == 409 and case_number in refused.json()["detail"]  # the return is still running
    assert (await _order(sessionmaker, order_number))[1].name == "Mei Lin"

    await _close(sessionmaker, case_number, days_ago=1, status="cancelled")
    erased = await client.post("/api/v1/customers/erase", json=erase, headers=admin)
    assert erased.status_code == 200 and erased.json()["cases"] == [case_number]
    order, customer, comments = await _order(sessionmaker, order_number)
    assert customer.name == "[redacted]" and "line1" not in order.ship_to and comments == [None]
    gone = await client.post("/api/v1/customers/export", json={"email": "ask@example.com"}, headers=admin)
    assert gone.status_code == 404
    async with sessionmaker() as s:
        trail = [(e.action, e.outcome, e.reason) for e in await s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert trail == [
        ("customer.export", "done", None),
        ("customer.erase", "refused", erase["reason"]),
        ("customer.erase", "done", erase["reason"]),
    ]
