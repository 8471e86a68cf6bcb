"""Per-test databases cloned from a template migrated once with alembic (never create_all)."""

from __future__ import annotations

import asyncio
import itertools
import shutil
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config

from core.settings import ROOT
from tests.support.postgres import TempPostgres

_counter = itertools.count(1)


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


class SqliteTemplate:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.db"

    @classmethod
    async def create(cls, root: Path) -> SqliteTemplate:
        made = cls(root)
        await asyncio.to_thread(migrate, f"sqlite+aiosqlite:///{made.template}")
        return made

    async def new_database(self) -> str:
        path = self.root / f"test-{next(_counter)}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite+aiosqlite:///{path}"


class PostgresTemplate:
    def __init__(self, server: TempPostgres) -> None:
        self.server = server

    @classmethod
    async def create(cls, server: TempPostgres) -> PostgresTemplate:
        conn = await asyncpg.connect(server.dsn())
        try:
            await conn.execute("CREATE DATABASE rebound_template")
        finally:
            await conn.close()
        # alembic's env runs its own event loop, so it gets a thread of its own
        await asyncio.to_thread(migrate, server.url("rebound_template"))
        return cls(server)

    async def new_database(self) -> str:
        name = f"test_{next(_counter)}"
        conn = await asyncpg.connect(self.server.dsn())
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE rebound_template')
        finally:
            await conn.close()
        return self.server.url(name)
