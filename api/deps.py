"""Typed dependencies: settings, one session per request, the Temporal client, integration keys."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.resources import Resources
from core.settings import Settings
from domain.errors import Forbidden, Unauthorized
from services import tokens
from services.access import Integration, authenticate_key


def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


def get_settings(resources: Annotated[Resources, Depends(get_resources)]) -> Settings:
    return resources.settings


async def get_session(
    resources: Annotated[Resources, Depends(get_resources)],
) -> AsyncIterator[AsyncSession]:
    # Routes commit explicitly before answering; this only guarantees the session is closed.
    async with resources.sessionmaker() as session:
        yield session


def get_temporal(resources: Annotated[Resources, Depends(get_resources)]) -> Client:
    if resources.temporal is None:
        raise RuntimeError("Temporal client not configured")
    return resources.temporal


# A row id in a path: within the database's integer range, so an absurd id is a clear 422, never a driver error.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ResourcesDep = Annotated[Resources, Depends(get_resources)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send credentials as 'Authorization: Bearer <token or API key>'", code="missing_credentials")
    return token.strip()


@dataclass(frozen=True)
class Staff:
    username: str
    role: str


def staff(*roles: str) -> Callable[..., Coroutine[Any, Any, Staff]]:
    """Dependency: the signed-in staff member, who must hold one of `roles` (admin always may)."""

    async def dependency(request: Request, settings: SettingsDep) -> Staff:
        claims = tokens.read(settings.session_secret.get_secret_value(), _bearer(request), now=int(time.time()))
        if roles and claims.role not in roles and claims.role != "admin":
            raise Forbidden(f"the {claims.role} role may not do this", code="role_forbidden")
        return Staff(claims.subject, claims.role)

    return dependency


def integration(scope: str) -> Callable[..., Coroutine[Any, Any, Integration]]:
    """Dependency: the calling integration, which must hold `scope`."""

    async def dependency(request: Request, session: SessionDep) -> Integration:
        found = await authenticate_key(session, _bearer(request))
        found.require(scope)
        return found

    return dependency
