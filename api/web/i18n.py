"""Page languages: gettext catalogues (templates/i18n/*.po) and the choice of language for a request."""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale as BabelLocale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import Request

from core.settings import ROOT
from domain.messages import LOCALES, Locale, normalize_locale

CATALOGUES = ROOT / "templates" / "i18n"
DEFAULT: Locale = "en"
LANGUAGE_NAMES: dict[Locale, str] = {"en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}

_current: ContextVar[Locale] = ContextVar("page_locale", default=DEFAULT)


def babel_locale(locale: str) -> BabelLocale:
    return BabelLocale.parse(locale.replace("-", "_"))


@cache
def translations(locale: Locale) -> NullTranslations:
    """The catalogue for `locale`, compiled in memory from its .po file (English is the source language)."""
    po = CATALOGUES / f"{locale.replace('-', '_')}.po"
    if locale == DEFAULT or not po.exists():
        return NullTranslations()
    return _compile(po)


def _compile(po: Path) -> Translations:
    with po.open("rb") as f:
        catalog = read_po(f)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def normalise(tag: str | None) -> Locale | None:
    """A page language for a tag as browsers and orders send it (zh-TW, zh_CN, en-GB); None if we don't write it."""
    if not tag or not tag.strip():
        return None
    locale = normalize_locale(tag)
    return locale if locale != "en" or tag.strip().lower().startswith("en") else None


def from_accept_language(header: str) -> Locale | None:
    weighted: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        weighted.append((-q, n, tag))
    for _, _, tag in sorted(weighted):
        if found := normalise(tag):
            return found
    return None


def choose(request: Request, preferred: str | None = None) -> Locale:
    """The switcher's choice (kept in the session), else the order's language, else the browser's, else English."""
    asked = normalise(request.query_params.get("lang"))
    if asked:
        request.session["lang"] = asked
        return asked
    kept = normalise(request.session.get("lang"))
    return kept or normalise(preferred) or from_accept_language(request.headers.get("accept-language", "")) or DEFAULT


def activate(locale: Locale) -> None:
    _current.set(locale)


def current() -> Locale:
    return _current.get()


def N_(message: str) -> str:
    """Marks a text for the catalogues where it is defined; it is translated where it is shown."""
    return message


def gettext(message: str) -> str:
    return translations(current()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ungettext(singular, plural, n)


__all__ = ["LANGUAGE_NAMES", "LOCALES", "Locale", "activate", "choose", "current", "gettext", "ngettext"]
