"""The supervisors' insights page: only supervisors and admins open it; it draws the figures of the cases in
scope as server-side SVG with the numbers in tables; filters narrow it, and an unknown filter value is explained."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.support.html import field_error
from tests.support.insights import build_sample
from tests.web.workspace_support import signed_in


@pytest.fixture
async def supervisor(client: httpx.AsyncClient, sessionmaker: Any) -> httpx.AsyncClient:
    await build_sample(sessionmaker)
    return await signed_in(client, sessionmaker, "supervisor")


def cell(html: str, table: str, row: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found = re.search(rf'<th scope="row">{re.escape(row)}</th>(.*?)</tr>', body, re.S)
    assert found, f"no row {row} in {table}"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


async def test_a_supervisor_sees_rates_times_slas_and_feedback(supervisor: httpx.AsyncClient) -> None:
    page = await supervisor.get("/workspace/insights")
    assert page.status_code == 200, page.text
    html = page.text
    assert cell(html, "sku-rates", "TEE") == ["apparel", "9", "3", "33.3%", "Wrong size"]
    assert cell(html, "carriers", "sf-express") == ["1", "1", "24 h", "24 h"]
    assert cell(html, "complaint-themes", "Courier") == ["2", "1"]
    assert re.search(r'id="sla-review"><h3>Agent review</h3><p class="figure">50.0%</p>', html)
    assert 'id="refund-median">10 h<' in html and "90th percentile: 2 d" in html
    assert 'id="rating-average">3.5<' in html
    assert html.count('<svg class="chart-svg"') == 8  # every chart drawn on the server, no script needed
    assert '<rect class="bar sla-breached"' in html


async def test_filters_narrow_and_a_value_not_in_the_list_is_explained(supervisor: httpx.AsyncClient) -> None:
    hk = await supervisor.get("/workspace/insights", params={"market": "HK"})
    assert hk.status_code == 200
    assert "0.0%" in hk.text and "sf-express</th>" not in hk.text.split('id="carriers"', 1)[1]
    wrong = await supervisor.get("/workspace/insights", params={"market": "XX", "from": "2026-13-01"})
    assert wrong.status_code == 422
    assert field_error(wrong.text, "market") == "Choose one from the list."
    assert field_error(wrong.text, "from") == "Please enter a date as YYYY-MM-DD."
    assert 'value="2026-13-01"' in wrong.text  # the input is kept


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("finance", 403), ("admin", 200)])
async def test_only_supervisors_and_admins_open_it(
    client: httpx.AsyncClient, sessionmaker: Any, role: str, status: int
) -> None:
    staff = await signed_in(client, sessionmaker, role)
    assert (await staff.get("/workspace/insights")).status_code == status


async def test_signed_out_goes_to_sign_in(client: httpx.AsyncClient) -> None:
    client.headers.pop("Authorization", None)
    got = await client.get("/workspace/insights")
    assert got.status_code == 303 and got.headers["location"].startswith("/login?next=")
