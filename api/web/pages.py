"""Rendering pages: one jinja2 environment (built in the lifespan), locale-aware filters, CSRF tokens."""

from __future__ import annotations

import hmac
import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from api.web import i18n
from core.settings import ROOT
from domain.messages import label
from domain.money import Money

TEMPLATES = ROOT / "templates"
CSRF_FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """The session's form token (synchroniser pattern), created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_valid(request: Request, submitted: object) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and isinstance(submitted, str) and hmac.compare_digest(expected, submitted)


def _money(value: Money | dict[str, Any] | None) -> str:
    if value is None:
        return ""
    money = value if isinstance(value, Money) else Money(int(value["amount"]), str(value["currency"]))
    return format_currency(money.to_decimal(), money.currency, locale=i18n.babel_locale(i18n.current()))


def _number(value: int | Decimal) -> str:
    return format_decimal(value, locale=i18n.babel_locale(i18n.current()))


class Pages:
    """The template environment; `timezone` is where the merchant's customers and staff read times."""

    def __init__(self, timezone: str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(timezone)
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html", "xml"]),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
        env.filters.update(
            money=_money,
            number=_number,
            date=self._date,
            datetime=self._datetime,
            label=lambda value, kind: label(kind, str(value), i18n.current()),
        )
        env.globals["languages"] = i18n.LANGUAGE_NAMES
        self.env = env

    def _when(self, value: datetime | date | str) -> datetime | date:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            return value.astimezone(self.tz)
        return value

    def _date(self, value: datetime | date | str | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        when = self._when(value)
        day = when.date() if isinstance(when, datetime) else when
        return format_date(day, format=fmt, locale=i18n.babel_locale(i18n.current()))

    def _datetime(self, value: datetime | str | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        when = self._when(value)
        return format_datetime(when, format=fmt, tzinfo=self.tz, locale=i18n.babel_locale(i18n.current()))

    def render_text(self, name: str, context: dict[str, Any], locale: i18n.Locale) -> str:
        """A template outside a request (emails, documents), in `locale`."""
        i18n.activate(locale)
        return self.env.get_template(name).render(locale=locale, **context)

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
        locale: i18n.Locale | None = None,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        locale = locale or i18n.choose(request)
        i18n.activate(locale)
        ctx = {
            "request": request,
            "locale": locale,
            "csrf_token": csrf_token(request),
            "csrf_field": CSRF_FIELD,
            "errors": {},
            "values": {},
            "flash": request.session.pop("flash", None),
            **(context or {}),
        }
        html = self.env.get_template(name).render(ctx)
        return HTMLResponse(html, status_code=status_code, headers=headers)


def flash(request: Request, message: str) -> None:
    """A one-line confirmation shown on the next page (after the redirect of Post/Redirect/Get)."""
    request.session["flash"] = message
