"""Finance API: only finance and admin reconcile and read the ledger; malformed reports are 4xx and store nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.support.access import staff_headers
from tests.support.finance import (
    AT,
    charge_line,
    create_ledger_leg,
    create_refund,
    refund_case,
    refund_line,
    report,
)


@pytest.fixture
async def finance(client: httpx.AsyncClient, sessionmaker) -> dict[str, str]:
    return await staff_headers(client, sessionmaker, "fiona", "finance")


@pytest.fixture
async def agent(client: httpx.AsyncClient, sessionmaker) -> dict[str, str]:
    return await staff_headers(client, sessionmaker, "alice", "agent")


def _upload(data: bytes, name: str = "settlement.csv") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, data, "text/csv")}


async def _seed(sessionmaker) -> None:
    """Four refunds: one matches, one the provider lacks, one it paid a cent short, one it reports twice."""
    async with sessionmaker() as session:
        case = await refund_case(session)
        await create_refund(session, case, key="k-ok", amount=12_990, provider_refund_id="re_ok")
        await create_refund(session, case, key="k-missing", amount=700, provider_refund_id="re_gone")
        await create_refund(session, case, key="k-amount", amount=1_000, provider_refund_id="re_amount")
        await create_refund(session, case, key="k-dup", amount=300, provider_refund_id="re_dup")
        await create_ledger_leg(session, txn_id="refund-1", account="returns:refunds", amount=12_990, case=case)
        await create_ledger_leg(session, txn_id="refund-1", account="cash:payment_provider", amount=-12_990, case=case)
        await create_ledger_leg(
            session, txn_id="fee-1", account="revenue:fees", amount=500, currency="EUR", type_="restocking_fee"
        )
        await session.commit()


REPORT = report(
    charge_line("ch_1", 50_000, fee=1_450),
    refund_line("re_ok", "k-ok", 12_990),
    refund_line("re_stranger", "k-nobody", 4_200),
    refund_line("re_amount", "k-amount", 999),
    refund_line("re_dup", "k-dup", 300),
    refund_line("re_dup", "k-dup", 300),
)


async def test_finance_uploads_a_report_and_sees_each_discrepancy(
    client: httpx.AsyncClient,
    sessionmaker,
    finance: dict[str, str],
) -> None:
    await _seed(sessionmaker)
    got = await client.post("/api/v1/reconciliations", files=_upload(REPORT), headers=finance)
    assert got.status_code == 201, got.text
    body = got.json()
    assert (body["matched"], body["rows"], body["refund_rows"], body["status"]) == (2, 6, 5, "open")
    assert body["totals"]["CNY"]["fees"] == {"amount": 1_450, "currency": "CNY"}
    assert body["created_by"] == "fiona"
    kinds = sorted((d["kind"], d["provider_txn_id"]) for d in body["discrepancies"])
    assert kinds == [
        ("amount_mismatch", "re_amount"),
        ("duplicate", "re_dup"),
        ("missing_at_provider", "re_gone"),
        ("unknown_at_provider", "re_stranger"),
    ]
    short = next(d for d in body["discrepancies"] if d["kind"] == "amount_mismatch")
    assert (short["expected"], short["actual"]) == (
        {"amount": 1_000, "currency": "CNY"},
        {"amount": 999, "currency": "CNY"},
    )

    again = await client.get(f"/api/v1/reconciliations/{body['id']}", headers=finance)
    assert again.status_code == 200 and again.json()["discrepancies"] == body["discrepancies"]
    listed = await client.get("/api/v1/reconciliations", headers=finance)
    assert [r["id"] for r in listed.json()["runs"]] == [body["id"]]

    exported = await client.get(f"/api/v1/reconciliations/{body['id']}.csv", headers=finance)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert f'filename="reconciliation-{body["id"]}.csv"' in exported.headers["content-disposition"]
    assert exported.text.splitlines()[1].startswith("total,CNY,6,")
    assert len(exported.text.splitlines()) == 2 + 4


async def test_a_clean_report_matches_everything(
    client: httpx.AsyncClient, sessionmaker, finance: dict[str, str]
) -> None:
    async with sessionmaker() as session:
        case = await refund_case(session)
        refunds = [await create_refund(session, case, amount=n * 100, provider_refund_id=f"re_{n}") for n in (1, 2, 3)]
        await session.commit()
    data = report(*(refund_line(r.provider_refund_id or "", r.idempotency_key, r.amount_minor) for r in refunds))
    got = await client.post("/api/v1/reconciliations", files=_upload(data), headers=finance)
    assert got.status_code == 201, got.text
    assert (got.json()["matched"], got.json()["discrepancies"], got.json()["status"]) == (3, [], "reconciled")


async def test_resolve_a_discrepancy_with_a_note(client: httpx.AsyncClient, finance: dict[str, str]) -> None:
    run = (
        await client.post(
            "/api/v1/reconciliations", files=_upload(report(refund_line("re_x", "k", 100))), headers=finance
        )
    ).json()
    (found,) = run["discrepancies"]
    url = f"/api/v1/reconciliations/discrepancies/{found['id']}/resolve"
    done = await client.post(url, json={"note": "sandbox test payout"}, headers=finance)
    assert done.status_code == 200, done.text
    assert (done.json()["resolved"], done.json()["resolved_by"], done.json()["resolution_note"]) == (
        True,
        "fiona",
        "sandbox test payout",
    )
    assert (await client.post(url, json={"note": "again"}, headers=finance)).status_code == 409
    assert (await client.post(url, json={"note": ""}, headers=finance)).status_code == 422
    assert (await client.get(f"/api/v1/reconciliations/{run['id']}", headers=finance)).json()["status"] == "resolved"


HEADER = "id,type,amount,fee,net,currency,created,payout_id,reference\n"
GOOD = "ch_1,charge,10.00,0.29,9.71,CNY,2026-03-10T10:00:00+00:00,po_1,\n"
MALFORMED = [
    ("wrong columns", b"txn,kind,amt\n1,2,3\n", "line 1"),
    ("bad number", (HEADER + GOOD.replace("9.71", "nine")).encode(), "line 2"),
    ("latin-1", (HEADER + GOOD + "ch_2,charge,1.00,0,1.00,CNY,2026-03-10,po,Müller\n").encode("latin-1"), "line 3"),
    ("UTF-16", (HEADER + GOOD).encode("utf-16"), "line 1"),
]


@pytest.mark.parametrize(("case", "data", "line"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_malformed_reports_are_422_and_store_nothing(
    client: httpx.AsyncClient,
    finance: dict[str, str],
    case: str,
    data: bytes,
    line: str,
) -> None:
    got = await client.post("/api/v1/reconciliations", files=_upload(data), headers=finance)
    assert got.status_code == 422, got.text
    body = got.json()
    assert body["error"] == "invalid_settlement_report"
    assert body["detail"].startswith(line + ":"), body
    assert "file" in body["fields"]
    assert (await client.get("/api/v1/reconciliations", headers=finance)).json()["runs"] == []


async def test_reports_above_the_general_body_cap_are_accepted(
    client: httpx.AsyncClient, finance: dict[str, str]
) -> None:
    """The upload has its own limit: a 2 MB report passes where any other body over 1 MB is refused."""
    lines = [charge_line(f"ch_{n}", 1_000 + n, created=AT + timedelta(seconds=n)) for n in range(27_000)]
    data = report(*lines)
    assert len(data) > 2_000_000
    got = await client.post("/api/v1/reconciliations", files=_upload(data), headers=finance)
    assert got.status_code == 201, got.text[:300]
    assert got.json()["rows"] == 27_000
    refused = await client.post("/api/v1/orders", content=data, headers={"content-type": "application/json"})
    assert refused.status_code == 413


async def test_a_report_over_50_mb_is_refused(client: httpx.AsyncClient, finance: dict[str, str]) -> None:
    data = (HEADER + GOOD * (50_000_000 // len(GOOD) + 1)).encode()
    got = await client.post("/api/v1/reconciliations", files=_upload(data), headers=finance)
    assert got.status_code in (413, 422), got.text
    assert got.json()["error"] in ("payload_too_large", "invalid_settlement_report")
    assert "50,000,000" in got.json()["detail"] or "bytes" in got.json()["detail"]
    assert (await client.get("/api/v1/reconciliations", headers=finance)).json()["runs"] == []


async def test_the_ledger_lists_legs_with_money(
    client: httpx.AsyncClient, sessionmaker, finance: dict[str, str]
) -> None:
    await _seed(sessionmaker)
    got = await client.get(
        "/api/v1/ledger", params={"from": "2026-03-10", "to": "2026-03-10", "currency": "CNY"}, headers=finance
    )
    assert got.status_code == 200, got.text
    entries = got.json()["entries"]
    assert [(e["account"], e["amount"]) for e in entries] == [
        ("returns:refunds", {"amount": 12_990, "currency": "CNY"}),
        ("cash:payment_provider", {"amount": -12_990, "currency": "CNY"}),
    ]
    assert entries[0]["case_number"] and entries[0]["at"].endswith("+00:00")
    fees = await client.get("/api/v1/ledger", params={"type": "restocking_fee"}, headers=finance)
    assert [e["amount"] for e in fees.json()["entries"]] == [{"amount": 500, "currency": "EUR"}]
    later = await client.get("/api/v1/ledger", params={"from": "2026-03-11"}, headers=finance)
    assert later.json() == {"entries": [], "next_after": None}
    paged = await client.get("/api/v1/ledger", params={"limit": 2}, headers=finance)
    assert len(paged.json()["entries"]) == 2 and paged.json()["next_after"] is not None
    rest = await client.get("/api/v1/ledger", params={"after": paged.json()["next_after"]}, headers=finance)
    assert len(rest.json()["entries"]) == 1
    bad = await client.get("/api/v1/ledger", params={"currency": "XYZ"}, headers=finance)
    assert bad.status_code == 422


FINANCE_CALLS = [
    ("GET", "/api/v1/ledger", None),
    ("GET", "/api/v1/reconciliations", None),
    ("GET", "/api/v1/reconciliations/1", None),
    ("GET", "/api/v1/reconciliations/1.csv", None),
    ("POST", "/api/v1/reconciliations", "upload"),
    ("POST", "/api/v1/reconciliations/discrepancies/1/resolve", {"note": "x"}),
]


@pytest.mark.parametrize(("method", "url", "body"), FINANCE_CALLS, ids=[f"{m} {u}" for m, u, _ in FINANCE_CALLS])
async def test_agents_are_refused(
    client: httpx.AsyncClient, agent: dict[str, str], method: str, url: str, body
) -> None:
    kwargs = {"files": _upload(REPORT)} if body == "upload" else {"json": body} if body else {}
    got = await client.request(method, url, headers=agent, **kwargs)
    assert got.status_code == 403, got.text
    assert got.json()["error"] == "role_forbidden"
    anonymous = await client.request(method, url, headers={"Authorization": ""}, **kwargs)
    assert anonymous.status_code == 401


async def test_admins_may_reconcile(client: httpx.AsyncClient, sessionmaker) -> None:
    admin = await staff_headers(client, sessionmaker, "ada", "admin")
    got = await client.post("/api/v1/reconciliations", files=_upload(REPORT), headers=admin)
    assert got.status_code == 201, got.text
    assert (await client.get("/api/v1/ledger", headers=admin)).status_code == 200
