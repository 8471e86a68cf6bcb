"""The worker's JSON log lines name the case they are about."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from core.logging import JsonFormatter
from tests.support.stack import Stack


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged at INFO and above, as the worker writes it with REBOUND_LOG_FORMAT=json."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


async def test_an_activitys_log_lines_carry_the_case_number(stack: Stack, json_log: io.StringIO) -> None:
    created = await stack.open_return(await stack.order())
    number = created.json()["number"]
    await stack.reach(number, "awaiting_shipment")

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    recorded = [line for line in lines if line["logger"] == "temporalio.activity" and line.get("case") == number]
    assert recorded, lines
    first = recorded[0]
    assert first["message"].startswith("recorded ") and first["level"] == "INFO"
    assert first["temporal_activity"]["activity_type"] == "cases.record_event"
    assert first["timestamp"].endswith("+00:00")
