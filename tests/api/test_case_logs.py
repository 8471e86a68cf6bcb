"""An API request about a case: every line logged while it is handled names the case, whatever logger wrote it."""

from __future__ import annotations

import logging

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api.middleware import CaseLogs
from tests.support.logs import json_lines


async def _handler(request: Request) -> PlainTextResponse:
    logging.getLogger("some.library").info("handling %s", request.url.path)
    return PlainTextResponse("ok")


APP = CaseLogs(Starlette(routes=[Route("/{path:path}", _handler)]))


async def _logged(path: str) -> dict[str, object]:
    with json_lines() as captured:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://t") as client:
            assert (await client.get(path)).status_code == 200
    (line,) = captured.lines("some.library")
    return line


async def test_a_request_about_a_case_names_it_on_every_line() -> None:
    for path in ("/api/v1/returns/R-2026-000042", "/returns/R-2026-000042/label.pdf", "/workspace/cases/R-2026-000042"):
        line = await _logged(path)
        assert line["case"] == "R-2026-000042", (path, line)
        assert line["message"] == f"handling {path}"


async def test_a_request_about_no_case_names_none() -> None:
    assert "case" not in await _logged("/api/v1/orders/SO-1")
