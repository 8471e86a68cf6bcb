"""What every page shares: the language chosen, errors as pages (not JSON, not traces), security headers."""

from __future__ import annotations

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from api.web import i18n
from core.settings import ROOT


@pytest.mark.parametrize(
    ("accept", "title"),
    [
        ("zh-TW,zh;q=0.9", "找不到這個頁面"),
        ("zh-CN", "找不到这个页面"),
        ("en-GB,en;q=0.8", "We could not find that page"),
    ],
)
async def test_unknown_page_is_a_page_in_the_browsers_language(client: httpx.AsyncClient, accept: str, title: str):
    got = await client.get("/returns-nowhere", headers={"Accept-Language": accept})
    assert got.status_code == 404
    assert got.headers["content-type"].startswith("text/html")
    assert title in got.text


async def test_language_switcher_choice_is_remembered(client: httpx.AsyncClient):
    await client.get("/nowhere?lang=zh-Hans", headers={"Accept-Language": "en"})
    again = await client.get("/nowhere", headers={"Accept-Language": "en"})
    assert '<html lang="zh-Hans">' in again.text


async def test_api_errors_stay_json(client: httpx.AsyncClient):
    got = await client.get("/api/v1/nowhere")
    assert got.status_code == 404
    assert got.json()["error"] == "not_found"


async def test_pages_carry_security_headers_and_a_strict_session_cookie(client: httpx.AsyncClient):
    got = await client.get("/nowhere?lang=en")
    csp = got.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert got.headers["x-content-type-options"] == "nosniff"
    cookie = got.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_secure_cookies_in_production_or_over_https():
    from core.settings import Settings

    assert Settings(public_base_url="https://returns.example.com").cookie_secure is True
    assert Settings(public_base_url="http://127.0.0.1:8000").cookie_secure is False


@pytest.mark.parametrize("locale", ["zh-Hant", "zh-Hans"])
def test_every_page_and_mail_text_is_translated(locale: str):
    """A text added to a template or form without its translation fails here (run `make messages`)."""
    method_map = [
        ("api/web/**.py", "python"),
        ("services/mails.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    skip = {".venv", ".git", "var", "tests", "node_modules", ".mypy_cache", ".ruff_cache"}
    found = extract_from_dir(ROOT, method_map, directory_filter=lambda d: d.rsplit("/", 1)[-1] not in skip)
    wanted = {m[2] if isinstance(m[2], str) else m[2][0] for m in found}
    wanted.discard("")
    with (i18n.CATALOGUES / f"{locale.replace('-', '_')}.po").open("rb") as f:
        catalog = read_po(f)
    missing = sorted(m for m in wanted if m not in catalog or not catalog[m].string or catalog[m].fuzzy)
    assert not missing, f"untranslated in {locale}: {missing[:10]}"
    assert len(wanted) >= 20
