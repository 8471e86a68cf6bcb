"""Reading pages in httpx tests: the form's CSRF token, field errors, and posting a form as a browser does."""

from __future__ import annotations

import re
from typing import Any

import httpx

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def field_error(html: str, name: str) -> str | None:
    found = re.search(rf'<p class="field-error" id="e-{re.escape(name)}">([^<]*)</p>', html)
    return found.group(1) if found else None


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, Any], **kwargs: Any
) -> httpx.Response:
    """GET `page` for its CSRF token, then POST `data` to `action` with it (no redirects followed)."""
    got = await client.get(page)
    assert got.status_code == 200, got.text
    return await client.post(action, data={"csrf_token": csrf_from(got.text), **data}, **kwargs)
