"""End-to-end fixtures: each test gets its own PostgreSQL database and task queue on the shared dev server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import Client

from core.settings import Settings
from tests.support.databases import PostgresTemplate
from tests.support.stack import Stack, running_stack


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
