"""Log set-up for the API and the worker: plain text for a terminal, or JSON lines (one object per record) for a
log pipeline, each carrying the number of the case it is about whenever that is known."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from temporalio import activity, workflow

from core.settings import Settings

# The case an activity (or a request) is working on; read by the JSON formatter for every logger, ours or not.
current_case: ContextVar[str | None] = ContextVar("rebound_case", default=None)

# Case numbers read <prefix>-<year>-<n> (Settings.case_prefix); every workflow id of a case embeds one
# (return-<case>, refund-<case>-<n>, customs-<case>, webhook-<message naming the case>-to-<endpoint>, ...).
_CASE_IN_ID = re.compile(r"(?<![A-Z0-9])([A-Z][A-Z0-9]{0,7}-\d{4}-\d+)")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# What every LogRecord has: anything else on a record came from `extra=` and goes into the JSON object.
# (uvicorn's `color_message` is its message again with terminal colours.)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}


def case_in(workflow_id: str) -> str | None:
    """The case number inside a workflow id, if it has one."""
    found = _CASE_IN_ID.search(workflow_id)
    return found.group(1) if found else None


@contextmanager
def case_context(number: str | None) -> Iterator[None]:
    """Records logged inside carry `number` as their case."""
    token = current_case.set(number)
    try:
        yield
    finally:
        current_case.reset(token)


def _case_of(record: logging.LogRecord) -> str | None:
    explicit = getattr(record, "case", None)
    if explicit:
        return str(explicit)
    # temporalio's workflow.logger and activity.logger put the running workflow's details on the record.
    for key in ("temporal_workflow", "temporal_activity"):
        details = getattr(record, key, None)
        if isinstance(details, Mapping) and details.get("workflow_id"):
            found = case_in(str(details["workflow_id"]))
            if found:
                return found
    return current_case.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger, message, case, then any extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        case = _case_of(record)
        if case:
            line["case"] = case
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure(settings: Settings) -> None:
    """Send every logger's records to stderr in the format settings ask for (REBOUND_LOG_FORMAT)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(_TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # In JSON the workflow's and activity's details are fields of their own, not a dict appended to the message.
    temporal_details_in_message(settings.log_format != "json")


def temporal_details_in_message(on: bool) -> None:
    """Whether temporalio's workflow and activity loggers append their details to the message text."""
    activity.logger.activity_info_on_message = on
    workflow.logger.workflow_info_on_message = on
