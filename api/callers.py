"""Who is calling: a staff member, an integration, or the customer holding one case's token."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.deps import SessionDep, SettingsDep
from db.models import ReturnCase
from domain.errors import DomainError, Forbidden, NotFound, Unauthorized
from services import tokens
from services.access import authenticate_key
from services.case_views import find_case
from services.cases import token_hash

CASE_ROLES = ("agent", "supervisor", "admin")  # finance reads money, it does not work cases


@dataclass(frozen=True)
class Caller:
    kind: str  # staff | integration | customer
    name: str
    role: str = ""
    scopes: frozenset[str] = frozenset()
    case_token: str = ""

    @property
    def actor(self) -> str:
        return "customer" if self.kind == "customer" else self.name


async def caller(request: Request, session: SessionDep, settings: SettingsDep) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("send credentials as 'Authorization: Bearer <token>'", code="missing_credentials")
    if "." in token:  # staff tokens are payload.signature
        claims = tokens.read(settings.session_secret.get_secret_value(), token, now=int(time.time()))
        return Caller("staff", claims.subject, role=claims.role)
    try:
        found = await authenticate_key(session, token)
        return Caller("integration", found.name, scopes=found.scopes)
    except DomainError:
        return Caller("customer", "customer", case_token=token)  # checked against the case it asks for


CallerDep = Annotated[Caller, Depends(caller)]


async def readable_case(number: str, who: CallerDep, session: SessionDep) -> ReturnCase:
    """The case, if this caller may read it; otherwise 404 (a customer never learns other cases exist)."""
    if who.kind == "integration" and "returns:read" not in who.scopes:
        # A known key lacking the scope learns nothing about any case: the same 403 whether it exists or not.
        raise Forbidden("this API key lacks the 'returns:read' scope", code="missing_scope")
    case = await find_case(session, number)
    if case is None or not _may_read(who, case):
        if who.kind == "staff" and who.role not in CASE_ROLES:
            raise Forbidden("your role cannot read return cases", code="role_forbidden")
        raise NotFound(f"no return case {number}", code="case_not_found")
    return case


def _may_read(who: Caller, case: ReturnCase) -> bool:
    if who.kind == "staff":
        return who.role in CASE_ROLES or who.role == "finance"
    if who.kind == "integration":
        return "returns:read" in who.scopes
    return hmac.compare_digest(token_hash(who.case_token), case.customer_token_hash)


def require_staff(who: Caller) -> None:
    if who.kind != "staff":
        raise Forbidden("only staff may do this", code="staff_only")
    if who.role not in CASE_ROLES:
        raise Forbidden(f"the {who.role} role cannot act on return cases", code="role_forbidden")


ReadableCase = Annotated[ReturnCase, Depends(readable_case)]
