"""Credentials for a stack under test or bench: one API key with every scope and one staff user."""

from __future__ import annotations

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
