"""Finance pages by cookie: only finance and admin open them; reports show the ledger's figures; a report upload
reconciles in the request, and a bad upload (no CSRF token, malformed CSV) is explained with nothing stored."""

from __future__ import annotations

import io
import re
import zipfile

import httpx
import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, ReconciliationRun
from tests.support.finance import AT, create_ledger_leg, create_refund, refund_case, refund_line, report
from tests.support.html import csrf_from, field_error
from tests.web.workspace_support import signed_in

DAY = AT.date().isoformat()


async def _signed_in(client: httpx.AsyncClient, sessionmaker, role: str) -> httpx.AsyncClient:
    return await signed_in(client, sessionmaker, role)


@pytest.fixture
async def finance(client: httpx.AsyncClient, sessionmaker) -> httpx.AsyncClient:
    return await _signed_in(client, sessionmaker, "finance")


async def _seed(sessionmaker) -> None:
    """One refund of 129.90 CNY on a CN case, posted as two legs, and the provider's record of it."""
    async with sessionmaker() as s:
        case = await refund_case(s)
        await create_refund(s, case, key="k-ok", amount=12_990, provider_refund_id="re_ok")
        await create_refund(s, case, key="k-missing", amount=700, provider_refund_id="re_gone")
        await create_ledger_leg(s, txn_id="k-ok", account="returns:refunds", amount=12_990, case=case)
        await create_ledger_leg(s, txn_id="k-ok", account="cash:payment_provider", amount=-12_990, case=case)
        await s.commit()


FINANCE_PAGES = ["/finance", "/finance/ledger", "/finance/trial-balance", "/finance/costs", "/finance/reconciliations"]


async def test_an_agent_gets_a_clear_403_page(client: httpx.AsyncClient, sessionmaker) -> None:
    agent = await _signed_in(client, sessionmaker, "agent")
    for path in [*FINANCE_PAGES, "/finance/reconciliations/1.xlsx", "/finance/ledger.csv"]:
        got = await agent.get(path)
        assert got.status_code == 403, path
        assert "You cannot do this" in got.text and "the agent role cannot open this page" in got.text


async def test_an_admin_may_open_every_finance_page(client: httpx.AsyncClient, sessionmaker) -> None:
    admin = await _signed_in(client, sessionmaker, "admin")
    for path in FINANCE_PAGES:
        assert (await admin.get(path)).status_code == 200, path


async def test_without_sign_in_finance_pages_send_to_the_sign_in_page(client: httpx.AsyncClient) -> None:
    client.headers.pop("Authorization", None)
    got = await client.get("/finance/costs")
    assert got.status_code == 303 and got.headers["location"] == "/login?next=/finance/costs"


async def test_overview_shows_the_period_figures_and_a_chart(finance: httpx.AsyncClient, sessionmaker) -> None:
    await _seed(sessionmaker)
    got = await finance.get("/finance", params={"from": DAY, "to": DAY})
    assert got.status_code == 200
    assert "CN¥129.90" in got.text or "¥129.90" in got.text
    svg = re.search(r'<svg class="chart-svg"[^>]*data-bars="(\d+)"', got.text)
    assert svg and svg.group(1) == "1"  # one day, one refund bar
    assert "style=" not in got.text and "<script>" not in got.text  # CSP: nothing inline
    assert "Insurance claims" in got.text and "Not posted to the ledger yet" in got.text


async def test_overview_marks_a_bad_date_and_keeps_it(finance: httpx.AsyncClient) -> None:
    got = await finance.get("/finance", params={"from": "10/03/2026", "to": DAY})
    assert got.status_code == 422
    assert field_error(got.text, "from") == "Please enter a date as YYYY-MM-DD."
    assert 'value="10/03/2026"' in got.text


async def test_ledger_lists_legs_linked_to_their_case_and_filters_by_type(
    finance: httpx.AsyncClient, sessionmaker
) -> None:
    await _seed(sessionmaker)
    got = await finance.get("/finance/ledger", params={"from": DAY, "to": DAY})
    assert got.text.count('href="/finance/cases/R-2026-') == 2
    none = await finance.get("/finance/ledger", params={"from": DAY, "to": DAY, "type": "store_credit"})
    assert "No ledger entries match these filters." in none.text
    bad = await finance.get("/finance/ledger", params={"from": DAY, "to": DAY, "currency": "XX1"})
    assert bad.status_code == 422 and field_error(bad.text, "currency")
    number = re.search(r'href="/finance/cases/(R-[0-9-]+)"', got.text)
    assert number
    case = await finance.get(f"/finance/cases/{number.group(1)}")
    assert case.status_code == 200 and "returns:refunds" in case.text


async def test_ledger_and_costs_download_as_csv(finance: httpx.AsyncClient, sessionmaker) -> None:
    await _seed(sessionmaker)
    ledger = await finance.get("/finance/ledger.csv", params={"from": DAY, "to": DAY, "currency": "CNY"})
    assert ledger.status_code == 200 and ledger.headers["content-type"].startswith("text/csv")
    lines = ledger.text.splitlines()
    assert lines[0] == "id,at,case_number,type,account,amount,currency,txn_id,reference"
    assert [line.split(",")[4:7] for line in lines[1:]] == [
        ["returns:refunds", "129.90", "CNY"],
        ["cash:payment_provider", "-129.90", "CNY"],
    ]
    costs = await finance.get("/finance/costs.csv", params={"from": DAY, "to": DAY})
    header, row = costs.text.splitlines()
    assert header.startswith("case_number,currency,return_postage,refunds,")
    assert row.endswith(",129.90") and ",CNY,0.00,129.90," in row


async def test_finance_pages_speak_chinese(finance: httpx.AsyncClient) -> None:
    got = await finance.get("/finance", params={"lang": "zh-Hant"})
    assert "財務總覽" in got.text and "退款" in got.text


async def test_a_report_above_the_upload_limit_is_refused_in_the_page(
    finance: httpx.AsyncClient, sessionmaker, settings
) -> None:
    settings.max_upload_bytes = 200  # the app reads the limit per request: a small file stands in for 50 MB
    got = await _upload(finance, report(*(refund_line(f"re_{i}", f"k{i}", 100) for i in range(10))))
    assert got.status_code == 422
    assert "more than the 200 allowed; split the period" in (field_error(got.text, "file") or "")
    assert await _runs(sessionmaker) == 0


async def test_trial_balance_and_costs_pages(finance: httpx.AsyncClient, sessionmaker) -> None:
    await _seed(sessionmaker)
    tb = await finance.get("/finance/trial-balance", params={"from": DAY, "to": DAY})
    assert "Balanced" in tb.text and "cash:payment_provider" in tb.text
    costs = await finance.get("/finance/costs", params={"from": DAY, "to": DAY, "by": "channel"})
    assert costs.status_code == 200 and "By Channel" in costs.text
    assert costs.text.count("¥129.90") >= 3  # total, the channel's share, the case


async def _upload(client: httpx.AsyncClient, data: bytes, *, csrf: bool = True) -> httpx.Response:
    page = await client.get("/finance/reconciliations")
    form = {"csrf_token": csrf_from(page.text)} if csrf else {}
    return await client.post(
        "/finance/reconciliations", data=form, files={"file": ("settlement.csv", data, "text/csv")}
    )


async def _runs(sessionmaker) -> int:
    async with sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(ReconciliationRun)) or 0)


async def test_upload_without_csrf_is_refused_on_the_page(finance: httpx.AsyncClient, sessionmaker) -> None:
    got = await _upload(finance, report(refund_line("re_x", "k", 100)), csrf=False)
    assert got.status_code == 422 and "This form expired" in got.text
    assert await _runs(sessionmaker) == 0


async def test_malformed_report_is_explained_and_nothing_is_stored(finance: httpx.AsyncClient, sessionmaker) -> None:
    got = await _upload(finance, b"txn,kind,amt\n1,2,3\n")
    assert got.status_code == 422
    message = field_error(got.text, "file") or ""
    assert message.startswith("This file cannot be reconciled: line 1: missing column(s)")
    assert await _runs(sessionmaker) == 0


async def test_upload_shows_the_run_resolves_and_exports(finance: httpx.AsyncClient, sessionmaker) -> None:
    await _seed(sessionmaker)
    data = report(refund_line("re_ok", "k-ok", 12_990), refund_line("re_stranger", "k-nobody", 4_200))
    got = await _upload(finance, data)
    assert got.status_code == 303, got.text
    run = await finance.get(got.headers["location"])
    assert "Reconciled 2 rows: 1 matched, 2 discrepancies." in run.text
    assert "Unknown at provider" in run.text and "Missing at provider" in run.text
    assert re.search(r'<svg class="chart-svg"[^>]*data-bars="3"', run.text)  # matched + two kinds

    found = re.search(r'action="(/finance/reconciliations/discrepancies/(\d+)/resolve)"', run.text)
    assert found
    action, did = found.group(1), found.group(2)
    run_id = got.headers["location"].rsplit("/", 1)[1]
    empty = await finance.post(action, data={"csrf_token": csrf_from(run.text), "run_id": run_id, "note": " "})
    assert empty.status_code == 422 and field_error(empty.text, f"note-{did}")
    done = await finance.post(
        action, data={"csrf_token": csrf_from(run.text), "run_id": run_id, "note": "sandbox payout"}
    )
    assert done.status_code == 303
    after = await finance.get(done.headers["location"].split("#")[0])
    assert "sandbox payout" in after.text and "Discrepancy resolved." in after.text

    again_resolved = await finance.post(
        action, data={"csrf_token": csrf_from(run.text), "run_id": run_id, "note": "twice"}
    )
    assert again_resolved.status_code == 422 and "already resolved" in again_resolved.text
    async with sessionmaker() as s:
        entries = (await s.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(e.action, e.actor, e.outcome) for e in entries] == [
        ("reconciliation.upload", "finance1", "done"),
        ("reconciliation.resolve", "finance1", "done"),
        ("reconciliation.resolve", "finance1", "refused"),
    ]
    assert entries[1].reason == "sandbox payout" and entries[1].target == f"discrepancy {did}"

    xlsx = await finance.get(f"/finance/reconciliations/{run_id}.xlsx")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        shared = book.read("xl/sharedStrings.xml").decode()
    assert "re_stranger" in shared and "sandbox payout" in shared

    again = await finance.post(f"/finance/reconciliations/{run_id}/rerun", data={"csrf_token": csrf_from(run.text)})
    assert again.status_code == 303 and again.headers["location"] != got.headers["location"]
    assert await _runs(sessionmaker) == 2
