"""Auditors get the append-only audit log of a period from an admin, as JSON or CSV; money moved by finance (a
drawback payout) shows up in it, refusals too."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from db.models import AuditEntry, DrawbackClaim, LedgerEntry
from tests.support.access import staff_headers
from tests.support.factories import create_case

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
async def admin(client: httpx.AsyncClient, sessionmaker: Any) -> dict[str, str]:
    return await staff_headers(client, sessionmaker, "ada", "admin")


async def add_entries(sessionmaker: Any, *entries: tuple[datetime, str, str]) -> None:
    """Audit rows written at given moments: (at, action, reason)."""
    async with sessionmaker() as session:
        for at, action, reason in entries:
            session.add(
                AuditEntry(
                    at=at,
                    actor="sam",
                    actor_role="supervisor",
                    ip="10.0.0.7",
                    action=action,
                    case_number="R-2026-000001",
                    reason=reason,
                    before={"status": "rejected"},
                    after={"status": "approved", "note": "客户"},
                )
            )
        await session.commit()


def march(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


async def test_an_admin_exports_one_period_page_by_page(client: httpx.AsyncClient, sessionmaker: Any, admin) -> None:
    await add_entries(
        sessionmaker,
        (datetime(2026, 2, 28, 23, 59, tzinfo=UTC), "case.override", "February"),
        (march(1, 0), "case.override", "first"),
        (march(15), "refund.goodwill", "second"),
        (march(31, 23), "case.override", "last"),
        (datetime(2026, 4, 1, tzinfo=UTC), "case.override", "April"),
    )
    first = await client.get("/api/v1/audit-log", params={**MARCH, "limit": 2}, headers=admin)
    assert first.status_code == 200, first.text
    assert [e["reason"] for e in first.json()["entries"]] == ["first", "second"]
    rest = await client.get(
        "/api/v1/audit-log", params={**MARCH, "limit": 2, "after": first.json()["next_after"]}, headers=admin
    )
    assert [e["reason"] for e in rest.json()["entries"]] == ["last"] and rest.json()["next_after"] is None
    entry = first.json()["entries"][0]
    assert entry | {"id": 0} == {
        "id": 0,
        "at": "2026-03-01T00:00:00+00:00",
        "actor": "sam",
        "actor_role": "supervisor",
        "ip": "10.0.0.7",
        "action": "case.override",
        "outcome": "done",
        "case_number": "R-2026-000001",
        "target": None,
        "reason": "first",
        "before": {"status": "rejected"},
        "after": {"status": "approved", "note": "客户"},
    }
    overrides = await client.get("/api/v1/audit-log", params={**MARCH, "action": "case.override"}, headers=admin)
    assert [e["reason"] for e in overrides.json()["entries"]] == ["first", "last"]


async def test_the_csv_export_is_a_spreadsheet_safe_file(client: httpx.AsyncClient, sessionmaker: Any, admin) -> None:
    await add_entries(sessionmaker, (march(2), "case.override", '=HYPERLINK("http://evil")'), (march(3), "x", "ok"))
    got = await client.get("/api/v1/audit-log", params={**MARCH, "format": "csv"}, headers=admin)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    assert got.headers["content-disposition"] == 'attachment; filename="audit-log-2026-03-01-2026-03-31.csv"'
    header, *rows = list(csv.reader(io.StringIO(got.text)))
    assert header == ["id", "at", "actor", "actor_role", "ip", "action", "outcome", "case_number", "target",
                      "reason", "before", "after"]  # fmt: skip
    first = dict(zip(header, rows[0], strict=True))
    assert first["reason"] == '\'=HYPERLINK("http://evil")'  # never run as a formula
    assert (first["at"], first["action"], first["actor"]) == ("2026-03-02T12:00:00+00:00", "case.override", "sam")
    assert json.loads(first["after"]) == {"status": "approved", "note": "客户"}
    assert [r[header.index("reason")] for r in rows] == ['\'=HYPERLINK("http://evil")', "ok"]


async def test_each_export_is_itself_audited(client: httpx.AsyncClient, admin) -> None:
    got = await client.get("/api/v1/audit-log", params={"format": "csv", "from": "2026-03-01"}, headers=admin)
    assert got.status_code == 200
    trail = (await client.get("/api/v1/audit-log", params={"action": "audit_log.export"}, headers=admin)).json()
    assert [(e["actor"], e["after"]) for e in trail["entries"]] == [
        ("ada", {"from": "2026-03-01", "format": "csv"}),
        ("ada", {"action": "audit_log.export", "format": "json"}),  # this very request: readers are in the log too
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"from": "last tuesday"}, "from"),
        ({"to": "2026-03-01T10:00:00"}, "to"),  # no offset: which 10 o'clock?
        ({"format": "pdf"}, "format"),
    ],
)
async def test_a_bad_period_is_a_clear_422(
    client: httpx.AsyncClient, admin, params: dict[str, str], field: str
) -> None:
    for fmt in ("json", "csv"):
        got = await client.get("/api/v1/audit-log", params={"format": fmt, **params}, headers=admin)
        assert got.status_code == 422, got.text
        assert field in got.json()["fields"] and got.json()["detail"]
    trail = (await client.get("/api/v1/audit-log", params={"action": "audit_log.export"}, headers=admin)).json()
    assert len(trail["entries"]) == 1  # only this read: a refused export leaves no entry


@pytest.mark.parametrize("role", ["finance", "agent", "supervisor"])
async def test_only_admins_read_the_audit_log(client: httpx.AsyncClient, sessionmaker: Any, role: str) -> None:
    headers = await staff_headers(client, sessionmaker, f"{role}-1", role)
    got = await client.get("/api/v1/audit-log", headers=headers)
    assert got.status_code == 403 and got.json()["error"] == "role_forbidden"


async def test_a_drawback_payout_is_in_the_audit_log_and_so_is_paying_it_twice(
    client: httpx.AsyncClient, sessionmaker: Any, admin
) -> None:
    async with sessionmaker() as session:
        case = await create_case(session, number="R-2026-000042", country="DE", currency="EUR")
        session.add(DrawbackClaim(case_id=case.id, amount_minor=1_600, currency="EUR", reference="drawback-R42"))
        await session.commit()
    finance = await staff_headers(client, sessionmaker, "fiona", "finance")
    paid = await client.post("/api/v1/drawbacks/drawback-R42/paid", headers=finance)
    assert paid.status_code == 200, paid.text
    twice = await client.post("/api/v1/drawbacks/drawback-R42/paid", headers=finance)
    assert twice.status_code == 409 and "already paid" in twice.json()["detail"]
    unknown = await client.post("/api/v1/drawbacks/drawback-NONE/paid", headers=finance)
    assert unknown.status_code == 404
    trail = (await client.get("/api/v1/audit-log", params={"action": "drawback.paid"}, headers=admin)).json()
    got = [(e["actor"], e["case_number"], e["target"], e["outcome"], e["before"], e["after"]) for e in trail["entries"]]
    assert got == [
        (
            "fiona",
            "R-2026-000042",
            "drawback drawback-R42",
            "done",
            {"status": "filed"},
            {"status": "paid", "amount": {"amount": 1_600, "currency": "EUR"}, "paid_at": paid.json()["paid_at"]},
        ),
        (
            "fiona",
            "R-2026-000042",
            "drawback drawback-R42",
            "refused",
            {"status": "paid"},
            {"refused": "drawback claim drawback-R42 was already paid"},
        ),
        ("fiona", None, "drawback drawback-NONE", "refused", None, {"refused": "no drawback claim drawback-NONE"}),
    ]
    async with sessionmaker() as session:  # the refusals moved no money: one payout, two legs
        legs = (await session.scalars(select(LedgerEntry).where(LedgerEntry.type == "drawback_paid"))).all()
    assert sorted((leg.account, leg.amount_minor) for leg in legs) == [
        ("cash:bank", 1_600),
        ("receivable:duty_drawback", -1_600),
    ]
