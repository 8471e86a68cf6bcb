"""Credentials for a stack under test or bench: one API key with every scope and one staff user; a staff
member's bearer headers for API tests."""

from __future__ import annotations

from typing import Any

import httpx

from core.settings import Settings
from db.session import create_engine, create_sessionmaker
from services.access import SCOPES, create_api_key, create_staff_user


async def seed_access(settings: Settings, *, key: tuple[str, str], staff: tuple[str, str], role: str = "agent") -> None:
    """Store the API key (name, raw key) and the staff user (username, password) in the settings' database."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            await create_api_key(session, key[0], list(SCOPES), raw=key[1])
            await create_staff_user(session, staff[0], staff[1], role)
            await session.commit()
    finally:
        await engine.dispose()


STAFF_PASSWORD = "correct horse battery"


async def staff_headers(client: httpx.AsyncClient, sessionmaker: Any, username: str, role: str) -> dict[str, str]:
    """A new staff member with `role`, signed in through the API: the Authorization header of their token."""
    async with sessionmaker() as session:
        await create_staff_user(session, username, STAFF_PASSWORD, role)
        await session.commit()
    got = await client.post("/api/v1/auth/token", json={"username": username, "password": STAFF_PASSWORD})
    assert got.status_code == 200, got.text
    return {"Authorization": f"Bearer {got.json()['access_token']}"}
