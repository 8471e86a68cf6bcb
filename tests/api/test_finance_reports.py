"""Finance report JSON routes: finance and admin only, periods checked, the XLSX export and re-running a run."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest

from tests.support.access import staff_headers
from tests.support.finance import AT, create_ledger_leg, create_refund, refund_case, refund_line, report

DAY = AT.date().isoformat()


@pytest.fixture
async def finance(client: httpx.AsyncClient, sessionmaker) -> dict[str, str]:
    return await staff_headers(client, sessionmaker, "fiona", "finance")


async def _seed(sessionmaker) -> None:
    async with sessionmaker() as session:
        case = await refund_case(session)
        await create_refund(session, case, key="k-1", amount=12_990, provider_refund_id="re_1")
        await create_ledger_leg(session, txn_id="k-1", account="returns:refunds", amount=12_990, case=case)
        await create_ledger_leg(session, txn_id="k-1", account="cash:payment_provider", amount=-12_990, case=case)
        await session.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/finance/trial-balance",
        "/api/v1/finance/cost-of-returns",
        "/api/v1/finance/overview",
        "/api/v1/finance/refund-ageing",
        "/api/v1/reconciliations/1.xlsx",
    ],
)
async def test_an_agent_is_refused(client: httpx.AsyncClient, sessionmaker, path: str) -> None:
    agent = await staff_headers(client, sessionmaker, "alice", "agent")
    got = await client.get(path, headers=agent)
    assert got.status_code == 403 and got.json()["error"] == "role_forbidden"


async def test_trial_balance_and_cost_of_returns(
    client: httpx.AsyncClient, sessionmaker, finance: dict[str, str]
) -> None:
    await _seed(sessionmaker)
    period = {"from": DAY, "to": DAY}
    tb = (await client.get("/api/v1/finance/trial-balance", params=period, headers=finance)).json()
    (cny,) = tb["currencies"]
    assert cny["balanced"] and cny["debits"] == cny["credits"] == {"amount": 12_990, "currency": "CNY"}
    costs = (await client.get("/api/v1/finance/cost-of-returns", params=period, headers=finance)).json()
    assert costs["totals"][0]["total"] == {"amount": 12_990, "currency": "CNY"}
    assert "return_postage" in costs["components"] and "duties" in costs["posted_today"]
    bad = await client.get("/api/v1/finance/trial-balance", params={"from": "soon", "to": DAY}, headers=finance)
    assert bad.status_code == 422 and bad.json()["fields"] == {"from": "not a date"}
    one_sided = await client.get("/api/v1/finance/cost-of-returns", params={"from": DAY}, headers=finance)
    assert one_sided.status_code == 422 and "to" in one_sided.json()["fields"]


async def test_xlsx_export_and_rerun(client: httpx.AsyncClient, sessionmaker, finance: dict[str, str]) -> None:
    await _seed(sessionmaker)
    files = {"file": ("s.csv", report(refund_line("re_1", "k-1", 12_990), refund_line("re_2", "k-2", 5)), "text/csv")}
    run = (await client.post("/api/v1/reconciliations", files=files, headers=finance)).json()
    xlsx = await client.get(f"/api/v1/reconciliations/{run['id']}.xlsx", headers=finance)
    assert xlsx.status_code == 200
    assert f'filename="reconciliation-{run["id"]}.xlsx"' in xlsx.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        assert "re_2" in book.read("xl/sharedStrings.xml").decode()
    again = await client.post(f"/api/v1/reconciliations/{run['id']}/rerun", headers=finance)
    assert again.status_code == 201, again.text
    body = again.json()
    assert body["id"] != run["id"] and (body["matched"], body["discrepancy_count"]) == (1, 1)
    missing = await client.get("/api/v1/reconciliations/999.xlsx", headers=finance)
    assert missing.status_code == 404
