"""Typed dependencies: settings, one session per request, the Temporal client, integration keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.resources import Resources
from core.settings import Settings
from domain.errors import Unauthorized
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


ResourcesDep = Annotated[Resources, Depends(get_resources)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'", code="missing_credentials")
    return token.strip()


def integration(scope: str) -> Callable[..., Coroutine[Any, Any, Integration]]:
    """Dependency: the calling integration, which must hold `scope`."""

    async def dependency(request: Request, session: SessionDep) -> Integration:
        found = await authenticate_key(session, _bearer(request))
        found.require(scope)
        return found

    return dependency
