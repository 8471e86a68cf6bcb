"""JSON log lines: the case number comes from an explicit extra, the activity's context or the workflow id."""

from __future__ import annotations

import json
import logging

import pytest

from core.logging import JsonFormatter, case_context, case_in


def _line(**extra: object) -> dict[str, object]:
    record = logging.makeLogRecord({"name": "rebound.test", "levelname": "INFO", "msg": "hello %s", "args": ("x",)})
    record.__dict__.update(extra)
    return dict(json.loads(JsonFormatter().format(record)))


@pytest.mark.parametrize(
    ("workflow_id", "case"),
    [
        ("return-R-2026-000123", "R-2026-000123"),
        ("refund-R-2026-000123-2", "R-2026-000123"),
        ("claim-TAB12C-2026-7-lost", "TAB12C-2026-7"),
        ("webhook-msg_R-2026-000009_4-to-3-resend-1", "R-2026-000009"),
        ("some-other-workflow", None),
    ],
)
def test_case_number_from_a_workflow_id(workflow_id: str, case: str | None) -> None:
    assert case_in(workflow_id) == case


def test_a_workflow_log_line_names_its_case() -> None:
    line = _line(temporal_workflow={"workflow_id": "refund-R-2026-000123-1", "workflow_type": "Refund"})
    assert line["case"] == "R-2026-000123" and line["message"] == "hello x"
    assert line["temporal_workflow"] == {"workflow_id": "refund-R-2026-000123-1", "workflow_type": "Refund"}
    assert set(line) >= {"timestamp", "level", "logger"}


def test_any_logger_inside_an_activity_names_its_case() -> None:
    with case_context("R-2026-000005"):
        assert _line()["case"] == "R-2026-000005"
    assert "case" not in _line()


def test_an_explicit_case_wins() -> None:
    with case_context("R-2026-000005"):
        assert _line(case="R-2026-000006")["case"] == "R-2026-000006"
