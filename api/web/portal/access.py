"""Which cases this browser may see: the customer token kept in the session when the case was filed, or a
signed link from one of our mails. Anything else is 'not found' (never 'forbidden': no case is confirmed)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from api.deps import SessionDep, SettingsDep
from db.models import ReturnCase
from domain.errors import NotFound
from services import case_links
from services.case_views import find_case
from services.cases import token_hash

LINK = "link:"  # session values starting with this are signed mail links, the rest customer tokens


def remember_case(request: Request, number: str, token: str) -> None:
    """Keep the case's customer token in this browser's session cookie."""
    cases = dict(request.session.get("cases") or {})
    cases[number] = token
    request.session["cases"] = cases


def _allowed(secret: str, kept: object, case: ReturnCase) -> bool:
    if not isinstance(kept, str) or not kept:
        return False
    if kept.startswith(LINK):
        return case_links.opens(secret, kept.removeprefix(LINK), case.number)
    return hmac.compare_digest(token_hash(kept), case.customer_token_hash)


async def customer_case(number: str, request: Request, session: SessionDep, settings: SettingsDep) -> ReturnCase:
    """The case, if this browser holds its token (a valid `?access=` mail link is remembered first)."""
    secret = settings.session_secret.get_secret_value()
    link = request.query_params.get("access")
    if link and case_links.opens(secret, link, number):
        remember_case(request, number, LINK + link)
    case = await find_case(session, number)
    kept = (request.session.get("cases") or {}).get(number)
    if case is None or not _allowed(secret, kept, case):
        raise NotFound("we could not find that return in this browser", code="case_not_found")
    return case


CustomerCase = Annotated[ReturnCase, Depends(customer_case)]
